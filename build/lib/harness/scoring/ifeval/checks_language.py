"""IFEval language instruction ``language:response_language`` and the shared detector.

Source: Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911): "Your ENTIRE response should be in {language}, no other language is
allowed." The reference implementation identifies the language with the ``langdetect``
package, which this module uses too, so language codes are langdetect's ISO 639-1 codes
(plus ``zh-cn`` and ``zh-tw``).
"""

from __future__ import annotations

import functools

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from harness.scoring.ifeval.checks_params import Check, Params

# langdetect samples n-grams at random. A fixed seed makes a score reproducible, which the
# reference implementation does not do.
_SEED = 0


@functools.cache
def _factory() -> DetectorFactory:
    # A private factory leaves langdetect's module-level detector and seed untouched.
    factory = DetectorFactory()
    factory.seed = _SEED
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def supported_languages() -> frozenset[str]:
    """Return the language codes that ``detect_language`` can return."""
    return frozenset(_factory().get_lang_list())


def detect_language(text: str) -> str | None:
    """Return the langdetect code of ``text``'s most likely language.

    Returns:
        The code, or None when the text has no letters to judge by (langdetect raises
        ``LangDetectException`` then).
    """
    detector = _factory().create()
    detector.append(text)
    try:
        return detector.detect()
    except LangDetectException:
        return None


def is_language(text: str, language: str) -> bool:
    """Return whether ``text`` is in ``language``.

    A text whose language cannot be detected passes, as in the reference implementation,
    because it contains nothing that breaks the instruction.
    """
    detected = detect_language(text)
    return detected is None or detected == language


def build_response_language(params: Params) -> Check:
    """Build the check that the response is in the language with code ``language``."""
    language = params.get_str("language").strip()
    if language not in supported_languages():
        raise ValueError(
            f"{params.instruction_id}: kwarg 'language' must be a language code that "
            f"langdetect supports ({', '.join(sorted(supported_languages()))}), got {language!r}"
        )
    return lambda response: is_language(response, language)
