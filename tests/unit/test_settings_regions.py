"""handson.settings: --region, held to the regions botocore knows in every partition; a mistyped
one, or one named by its city, is told the code meant."""

from __future__ import annotations

import pytest

from handson.regions import known_regions
from handson.settings import (
    resolve,
)
from tests.unit.test_settings import usage_error


@pytest.mark.parametrize(
    "region",
    [
        "ap-northeast-1",
        "us-east-1",
        "eu-central-1",
        "ap-northeast-3",
        "il-central-1",
        "cn-north-1",  # aws-cn
        "us-gov-west-1",  # aws-us-gov
        "us-iso-east-1",  # aws-iso
        "us-isob-east-1",  # aws-iso-b
        "eu-isoe-west-1",  # aws-iso-e
        "us-isof-south-1",  # aws-iso-f
        "eusc-de-east-1",  # aws-eusc (the old hand-written pattern refused it)
    ],
)
def test_real_regions_of_every_partition_are_accepted(region: str) -> None:
    assert region in known_regions()
    assert resolve({"region": region}, {}).region == region


def test_every_partition_botocore_knows_contributes_its_regions() -> None:
    import botocore.session

    session = botocore.session.get_session()
    partitions = session.get_available_partitions()
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"} <= set(partitions)
    both: set[str] = set()
    for partition in partitions:
        regions = session.get_available_regions("ec2", partition_name=partition)
        assert regions, partition
        assert set(regions) <= known_regions(), partition
        both |= set(regions) & set(session.get_available_regions("s3", partition_name=partition))
    # Read from the endpoint data alone, the same regions as botocore's own answer per service.
    assert known_regions() == both


@pytest.mark.parametrize("region", ["ap-northeast-9", "us-east-10", "ap-northeast-1a"])
def test_regions_aws_does_not_have_are_refused(region: str) -> None:
    assert region not in known_regions()
    message = usage_error({"region": region})
    assert message.startswith(f"--region {region!r}: AWS has no such region")


def test_unknown_region_message_gives_examples_and_no_guess() -> None:
    message = usage_error({"region": "ap-northeast-9"})
    assert "ap-northeast-1" in message
    assert "us-east-1" in message
    assert "did you mean" not in message  # -1, -2 and -3 are equally close


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ap-northeast1", "ap-northeast-1"),
        ("AP-NORTHEAST-1", "ap-northeast-1"),
        ("eu-centrl-1", "eu-central-1"),
        ("us-east-1 ", "us-east-1"),
    ],
)
def test_a_mistyped_region_gets_a_suggestion(typed: str, meant: str) -> None:
    assert usage_error({"region": typed}).endswith(f"did you mean {meant!r}?")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tokyo", "ap-northeast-1"),
        ("Tokyo", "ap-northeast-1"),
        ("東京", "ap-northeast-1"),
        ("大阪", "ap-northeast-3"),
        ("Ireland", "eu-west-1"),
        ("Frankfurt", "eu-central-1"),
    ],
)
def test_a_region_named_by_its_city_is_told_its_code(typed: str, meant: str) -> None:
    """The console names a region by its city: 「アジアパシフィック (東京)」, "Europe (Ireland)"."""
    assert usage_error({"region": typed}) == (
        f"--region {typed!r}: a region is given by its code: for {typed!r}, --region {meant}"
    )


def test_unknown_region_from_the_environment_is_refused() -> None:
    said = usage_error({}, {"HANDSON_REGION": "ap-northeast-9"})
    assert "HANDSON_REGION 'ap-northeast-9'" in said, said


# -- options given empty on the command line --------------------------------------------------
