"""Builds the compiled bulk passes of the lexical prefilter (detector/_bulk.pyx); the rest is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("detector._bulk", ["detector/_bulk.pyx"], extra_compile_args=["-O2"])],
        compiler_directives={"language_level": 3},
    )
)
