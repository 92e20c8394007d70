# The IPython profile of the kernels that build the book (scripts/book.sh) and the course
# (scripts/course.py): both builds fail on any "WARNING:" or "ERROR:" line in their log, so
# the kernels must log nothing that is not about the book.  Copied into a throw-away
# IPYTHONDIR/profile_default/ipython_kernel_config.py; `c` is the traitlets config object.
import logging

c = get_config()  # noqa: F821  (provided by IPython when it loads this file)

# ipykernel >= 7 logs "Kernel is running over TCP without encryption" at every start (about
# local kernels on localhost): only errors.
c.IPKernelApp.log_level = "ERROR"

# At shutdown a kernel can log "ERROR:tornado.general:Uncaught exception in ZMQStream
# callback ... ZMQError: Socket operation on non-socket": ipykernel 7.4 publishes its idle
# status while the IOPub thread is closing (a race; ipython/ipykernel#1518 closed one path of
# it, this one goes through IOPubThread.schedule).  Seen once (a course build in a full test
# run, 2026-12-02), after "build succeeded", with every page written.  The kernel's tornado loggers only ever
# report such transport noise (a cell's error reaches the build through nbclient), so they
# stay silent.
for _name in ("tornado.general", "tornado.application"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)
