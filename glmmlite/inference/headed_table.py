"""A DataFrame with R's heading lines: the tables of ``anova`` and ``drop1``."""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["HeadedTable"]


class HeadedTable:
    """Behaves like its DataFrame ``table`` for indexing (``tab["AIC"]``, ``tab.loc[...]``,
    ``tab.columns`` ...); subclasses print R's layout with ``heading`` and show as HTML."""

    #: attributes of the object itself, never looked up on the DataFrame
    _own: tuple[str, ...] = ("table", "heading")

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    def __getattr__(self, name: str) -> Any:
        if name in type(self)._own or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.table, name)

    def __len__(self) -> int:
        return len(self.table)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table as a DataFrame."""
        return self.table.copy()

    def __repr__(self) -> str:
        return self.__str__()
