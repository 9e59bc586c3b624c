"""Backend selection: explicit, thread-safe, never a silent fallback."""

import subprocess
import sys
import threading

import pytest

import barsmith
from barsmith import BackendUnavailableError


def _run(code, env_backend=None):
    import os

    env = dict(os.environ)
    env.pop("BARSMITH_BACKEND", None)
    if env_backend is not None:
        env["BARSMITH_BACKEND"] = env_backend
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_default_is_rust_and_the_environment_variable_selects():
    assert _run("import barsmith; print(barsmith.get_backend())").stdout.strip() == "rust"
    assert _run("import barsmith; print(barsmith.get_backend())", "numba").stdout.strip() == "numba"


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="rust, numba, pandas"):
        barsmith.set_backend("cuda")
    with pytest.raises(ValueError, match="rust, numba, pandas"):
        with barsmith.use_backend("polars"):
            pass
    result = _run("import barsmith; barsmith.get_backend()", "fortran")
    assert "BARSMITH_BACKEND" in result.stderr and "rust, numba, pandas" in result.stderr


def test_set_backend_and_use_backend_and_keyword(day):
    try:
        barsmith.set_backend("pandas")
        assert barsmith.get_backend() == "pandas"
        with barsmith.use_backend("numba"):
            assert barsmith.get_backend() == "numba"
        assert barsmith.get_backend() == "pandas"
    finally:
        barsmith.set_backend("rust")


def test_use_backend_is_local_to_its_thread():
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        with barsmith.use_backend("pandas"):
            seen["worker"] = barsmith.get_backend()
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(10)
    seen["main"] = barsmith.get_backend()
    release.set()
    thread.join()
    assert seen == {"worker": "pandas", "main": "rust"}


def test_available_backends_says_why_not():
    assert barsmith.available_backends() == {"rust": None, "numba": None, "pandas": None}
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import barsmith\n"
        "print(barsmith.available_backends()['numba'])\n"
        "try:\n    barsmith.set_backend('numba')\nexcept barsmith.BackendUnavailableError as e:\n    print('raised', e)\n"
    )
    out = _run(code).stdout
    assert "pip install numba" in out and "raised" in out


def test_a_missing_backend_is_an_error_not_a_fallback():
    code = (
        "import sys; sys.modules['barsmith._core'] = None\n"
        "import barsmith\n"
        "df = barsmith.synth.trades(100).assign(side=0)\n"
        "try:\n    barsmith.bars.time_bars(df)\nexcept barsmith.BackendUnavailableError as e:\n    print('raised', e)\n"
    )
    assert "raised backend 'rust' cannot load" in _run(code).stdout
    assert issubclass(BackendUnavailableError, Exception)


def test_without_the_extension_code_columns_are_an_error_that_says_how_to_fix_it():
    code = (
        "import sys; sys.modules['barsmith._core'] = None\n"
        "import barsmith\n"
        "df = barsmith.synth.trades(100)\n"
        "try:\n    barsmith.bars.time_bars(df, backend='pandas')\nexcept barsmith.BackendUnavailableError as e:\n"
        "    print('raised', e)\n"
    )
    assert "pip install ." in _run(code).stdout


def test_importing_barsmith_compiles_nothing_and_does_not_import_numba():
    out = _run("import sys, barsmith; print('numba' in sys.modules)").stdout.strip()
    assert out == "False"


def test_polars_stays_an_optional_import_until_a_polars_object_arrives():
    code = ("import sys, barsmith\n"
            "barsmith.bars.time_bars(barsmith.synth.trades(100), '5s')\n"
            "print('polars' in sys.modules)")  # fmt: skip
    assert _run(code).stdout.strip() == "False"


def test_warmup_compiles_every_numba_kernel_and_rust_returns_at_once():
    seconds = barsmith.warmup("numba")
    assert set(seconds) == set(barsmith.KERNELS) and all(s >= 0 for s in seconds.values())
    assert set(barsmith.warmup("rust").values()) == {0.0}


def test_warmup_of_named_kernels_compiles_only_those_and_refuses_unknown_names():
    assert set(barsmith.warmup("numba", kernels=["time_bars", "cvd"])) == {"time_bars", "cvd"}
    with pytest.raises(ValueError, match="tme_bars"):
        barsmith.warmup("numba", kernels=["tme_bars"])


def test_warmup_command_prints_seconds_per_named_kernel(capsys):
    from barsmith.cli import main

    assert main(["warmup", "time_bars"]) == 0
    out = capsys.readouterr().out
    assert "bars" in out and "time_bars" in out and "total" in out


@pytest.mark.parametrize("domain", sorted({k.domain for k in barsmith.KERNELS.values()}))
def test_kernels_appear_in_the_registry_order_in_both_python_backends(domain):
    # so the three implementations of a domain can be read side by side
    import ast
    import importlib

    names = [k.name for k in barsmith.KERNELS.values() if k.domain == domain]
    for backend in ("_numba", "_pandas"):
        module = importlib.import_module(f"barsmith.{backend}.{domain}")
        body = ast.parse(open(module.__file__).read()).body
        if hasattr(module, "__path__"):  # a package: its files in the order it imports them, then itself
            files = [n.module for n in body if isinstance(n, ast.ImportFrom) and n.level == 1]
            body = [
                node
                for name in files
                for node in ast.parse(open(importlib.import_module(f"{module.__name__}.{name}").__file__).read()).body
            ] + body
        first_seen: list[str] = []
        for node in body:  # a kernel's place: its own def or its private body (_name)
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in names:
                if node.name.lstrip("_") not in first_seen:
                    first_seen.append(node.name.lstrip("_"))
        assert first_seen == names, backend
