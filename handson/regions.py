"""The AWS regions a run and every ``handson`` command may name (``--region``): those botocore
knows, and a line that names the region meant when the one given is not one of them (typed in
full width, by its city, or mistyped). And ``--endpoint-url``, the other option of where a
command acts: an http(s) URL, or a line that says how to write it."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

import botocore
import botocore.loaders
import botocore.regions

from handson.errors import SuiteUsageError
from handson.i18n import t

DEFAULT_REGION = "ap-northeast-1"


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region that botocore's bundled endpoint data lists for both EC2 and S3, in every
    partition it knows (aws, aws-cn, aws-us-gov, the isolated ones...).

    The data, not a list written here, so that a botocore upgrade brings new regions with it.
    The run needs EC2 and S3 in the region (IAM and STS are global); SSM is everywhere EC2 is.
    """
    # botocore's endpoint data alone, read as Session.get_available_regions reads it but without
    # loading EC2's and S3's whole service models (EC2's alone is a fifth of a second, on the
    # run's start, while the emulator starts beside it). Their endpoint prefixes are their names.
    resolver = botocore.regions.EndpointResolver(
        botocore.loaders.create_loader().load_data("endpoints")
    )
    regions: set[str] = set()
    for partition in resolver.get_available_partitions():
        ec2 = resolver.get_available_endpoints("ec2", partition_name=partition)
        s3 = resolver.get_available_endpoints("s3", partition_name=partition)
        regions.update(set(ec2) & set(s3))
    return frozenset(regions)


def _closest_region(value: str, known: frozenset[str]) -> str | None:
    """A suggestion for a mistyped region, only when one known region is clearly the closest."""
    if value.strip().lower() in known:
        return value.strip().lower()
    if len(value) > 64:  # a pasted blob: nothing sensible to suggest, and difflib would be slow
        return None
    scored = sorted(
        ((difflib.SequenceMatcher(None, value, region).ratio(), region) for region in known),
        reverse=True,
    )
    best_score, best = scored[0]
    # ap-northeast-9 is as close to -1, -2 and -3: suggesting one of them would be a guess.
    if best_score < 0.8 or (len(scored) > 1 and scored[1][0] == best_score):
        return None
    return best


# Where a learner names a region by its city, as the console shows it ("Asia Pacific (Tokyo)",
# 「アジアパシフィック (東京)」): botocore's descriptions give the English names; these, the
# Japanese ones of the regions in Japan.
CITIES_IN_JAPANESE = {"東京": "tokyo", "大阪": "osaka"}


@functools.cache
def _regions_by_city() -> dict[str, str]:
    """Each region's city (or area), as botocore's endpoint data describes it, to its code."""
    data = botocore.loaders.create_loader().load_data("endpoints")
    known = known_regions()
    cities: dict[str, str] = {}
    for partition in data["partitions"]:
        for code, region in partition.get("regions", {}).items():
            described = re.search(r"\(([^)]+)\)", str(region.get("description", "")))
            if code in known and described:
                cities.setdefault(described[1].strip().casefold(), code)
    return cities


def _region(value: str) -> str:
    known = known_regions()
    if value in known:
        return value
    typed = value.strip()
    city = _regions_by_city().get(CITIES_IN_JAPANESE.get(typed, typed).casefold())
    if city:
        raise SuiteUsageError(t("opt.region_city", value=repr(value), region=city))
    closest = _closest_region(value, known)
    if closest:
        raise SuiteUsageError(t("opt.region_closest", value=repr(value), closest=repr(closest)))
    # Naming the botocore version says where the list comes from: a region AWS opened after
    # that release needs a botocore upgrade, not a different spelling.
    raise SuiteUsageError(
        t(
            "opt.region_unknown",
            value=repr(value),
            default=DEFAULT_REGION,
            version=botocore.__version__,
        )
    )


def not_full_width(option: str, value: str) -> None:
    ascii_form = unicodedata.normalize("NFKC", value).strip()
    if not value.isascii() and ascii_form.isascii():
        flag = "--" + option.replace("_", "-")
        raise SuiteUsageError(
            t("opt.full_width", flag=flag, value=repr(value), ascii=repr(ascii_form))
        )


def checked_region(value: str) -> str:
    """``--region`` as every command takes it: a region AWS has (botocore's list), or one line
    that names the region meant (typed in full width, by its city, or mistyped)."""
    not_full_width("region", value)
    return _region(value)


_ENDPOINT = re.compile(r"https?://[^\s/]+(/\S*)?")


def checked_endpoint(value: str) -> str:
    """``--endpoint-url`` as every command takes it (and class.csv's ``endpoint_url``): an
    http(s) URL; else one line, which gives the URL meant where only its ``http://`` is missing
    (``localhost:5000``, as a server's own start-up line may print it)."""
    if _ENDPOINT.fullmatch(value):
        return value
    if "://" not in value and _ENDPOINT.fullmatch(f"http://{value}"):
        raise SuiteUsageError(t("opt.endpoint_scheme", value=repr(value), url=f"http://{value}"))
    raise SuiteUsageError(t("opt.endpoint", value=repr(value)))
