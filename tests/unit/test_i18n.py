"""The message catalogues: the same keys in every language, the same placeholders in each text,
and Japanese unless English is asked for."""

from __future__ import annotations

import string

import pytest

from handson import i18n
from handson.catalogue import CATALOGUE
from handson.errors import SuiteUsageError
from handson.results import CATEGORIES
from handson.settings import resolve


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    ja, en = i18n.catalogue("ja"), i18n.catalogue("en")
    assert set(ja) == set(en)
    for key in ja:
        assert placeholders(ja[key]) == placeholders(en[key]), key
        assert ja[key].strip() and en[key].strip(), key


def test_every_checkpoint_and_category_has_its_words() -> None:
    for language in i18n.LANGUAGES:
        texts = i18n.catalogue(language)
        assert all(c.title[language].strip() for c in CATALOGUE.values())  # checkpoints.json
        assert all(f"category.{c['name']}" in texts for c in CATEGORIES)


def test_japanese_by_default_english_on_request() -> None:
    assert i18n.DEFAULT_LANGUAGE == "ja"
    assert resolve({}, {}).lang == "ja"
    assert resolve({"lang": "en"}, {}).lang == "en"
    assert resolve({}, {"HANDSON_LANG": "en"}).lang == "en"
    i18n.set_language("ja")
    assert i18n.t("outcome.denied") == "拒否（権限エラー）"
    i18n.set_language("en")
    assert i18n.t("outcome.denied") == "denied (authorization error)"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    with pytest.raises(SuiteUsageError, match="--lang 'fr'"):
        resolve({"lang": "fr"}, {})
