"""Inference after the fit: likelihood profiles, confidence intervals, the parametric
bootstrap and likelihood-ratio tests (lme4's ``profile``, ``confint``, ``bootMer``, ``anova``,
``drop1``).

The functions are exported as ``gl.profile``, ``gl.confint``, ``gl.bootMer`` (also
``gl.bootstrap``), ``gl.anova`` and ``gl.drop1``; the modules that hold them are

=====================  =====================================================
``profile``            :func:`~glmmlite.inference.profile.profile`, :class:`Profile`
``confint``            :func:`~glmmlite.inference.confint.confint` (profile, Wald, boot)
``bootstrap``          :func:`~glmmlite.inference.bootstrap.bootstrap` (``bootMer``), :class:`BootResult`
``anova``              :func:`~glmmlite.inference.anova.anova`, :class:`AnovaTable`
``drop1``              :func:`~glmmlite.inference.drop1.drop1` (single-term deletions), :class:`Drop1Table`
``parm``               which parameters: ``parm`` / ``which`` specifications
``levels``             confidence levels and R's column names ("2.5 %", "97.5 %")
``sdcor``              the sd/cor parameterisation profiles work on
``splines``            the interpolating splines of profile intervals
=====================  =====================================================

This package imports none of them itself, so ``glmmlite.inference.profile`` is always
the module (the function is ``glmmlite.profile``).
"""
