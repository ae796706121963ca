"""The scanner's hot path is a small C extension (see src/kommcert/scan/_fastscan.c).

It is optional: without a C compiler the install still succeeds and ``kommcert scan`` uses the
pure-Python engine, with the same results, only slower (it says so when it starts).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kommcert.scan._fastscan", ["src/kommcert/scan/_fastscan.c"], optional=True,
                             extra_compile_args=["-O3", "-std=c99", "-Wall", "-Wno-missing-braces"])])
