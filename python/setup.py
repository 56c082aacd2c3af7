"""Builds runhook's native module with the repository's CMake build (see pyproject.toml).

The extension runhook._runhook is the CMake target runhook_python; this runs
`cmake -S <repository> -B <build_temp>` (tests and benchmarks off) and `cmake --build
--target runhook_python`, then copies the module where setuptools packs it. Needs the Debian
packages of scripts/bootstrap.sh; no network. With RUNHOOK_CMAKE_BUILD_DIR set to an already
configured build directory (e.g. build/), that directory is built instead of a fresh one.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PACKAGE_SOURCE = Path(__file__).resolve().parent
REPOSITORY = PACKAGE_SOURCE.parent


class CMakeBuild(build_ext):
    def build_extension(self, extension):
        configured = os.environ.get("RUNHOOK_CMAKE_BUILD_DIR")
        if configured:
            build_directory = Path(configured).resolve()
        else:
            build_directory = Path(self.build_temp).resolve() / "cmake"
            build_directory.mkdir(parents=True, exist_ok=True)
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.run(["cmake", "-S", str(REPOSITORY), "-B", str(build_directory),
                            *generator, f"-DPython_EXECUTABLE={sys.executable}",
                            "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DRUNHOOK_BUILD_TESTS=OFF",
                            "-DRUNHOOK_BUILD_BENCH=OFF"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", str(build_directory), "--target", "runhook_python",
                        "--parallel", jobs], check=True)
        built = next((build_directory / "python/runhook").glob("_runhook*.so"))
        destination = Path(self.get_ext_fullpath(extension.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, destination)


setup(
    packages=["runhook"],
    package_data={"runhook": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("runhook._runhook", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
