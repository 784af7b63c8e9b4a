# SPDX-License-Identifier: GPL-2.0
# The C part of the package: virgo._virgo over libvirgo's sources, built
# with them (no installed libvirgo needed). UAPI: where linux/virgo.h is.
import os
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
lib = os.path.dirname(here)
uapi = os.environ.get("UAPI", os.path.join(lib, "..", "..", "include", "uapi"))
sources = ["virgomodule.c"] + [os.path.join("..", s) for s in
                               ("libvirgo.c", "link.c", "queue.c", "eventnet.c", "analytics.c")]

setup(packages=["virgo"],
      package_data={"virgo": ["py.typed", "*.pyi"]},
      ext_modules=[Extension("virgo._virgo", sources=sources, include_dirs=[lib, uapi],
                             libraries=["crypto"],
                             extra_compile_args=["-std=gnu11", "-Wall", "-Wno-unused-parameter"])])
