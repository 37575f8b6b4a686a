"""The ledger's claim on a name (handson/lifecycle/ledger.py) against the answers SSM sends
(botocore's Stubber): a claim whose answer was lost and that botocore sent again meets its own
parameter, which is this run's, not another run's."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handson.lifecycle.ledger import Ledger, read
from handson.lifecycle.ownership import Collision
from handson.names import TAG_RUN, RunNames


@pytest.fixture
def stubbed() -> Iterator[tuple[Ledger, Stubber]]:
    ssm = boto3.client(
        "ssm",
        region_name="ap-northeast-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x" * 40,
    )
    with Stubber(ssm) as stubber:
        yield Ledger(ssm, RunNames("taro")), stubber
        stubber.assert_no_pending_responses()


def _taken(stubber: Stubber, ledger: Ledger, run: str) -> None:
    stubber.add_client_error(
        "put_parameter", "ParameterAlreadyExists", "The parameter already exists.", 400
    )
    stubber.add_response(
        "list_tags_for_resource",
        {"TagList": [{"Key": TAG_RUN, "Value": run}]},
        {"ResourceType": "Parameter", "ResourceId": ledger.record.parameter},
    )


def test_a_claim_sent_again_that_meets_its_own_parameter_holds(
    stubbed: tuple[Ledger, Stubber],
) -> None:
    ledger, stubber = stubbed
    _taken(stubber, ledger, ledger.names.run_id)
    ledger.claim()  # no Collision: the parameter is this run's


def test_a_claim_that_meets_another_runs_parameter_stops_the_run(
    stubbed: tuple[Ledger, Stubber],
) -> None:
    ledger, stubber = stubbed
    _taken(stubber, ledger, "20261206-000000-other1")
    with pytest.raises(Collision) as stopped:
        ledger.claim()
    assert ledger.record.parameter in str(stopped.value)


def test_a_record_not_there_is_none_and_any_other_refusal_is_raised(
    stubbed: tuple[Ledger, Stubber],
) -> None:
    ledger, stubber = stubbed
    stubber.add_client_error("get_parameter", "ParameterNotFound", http_status_code=400)
    assert read(ledger.ssm, ledger.record.parameter) is None
    stubber.add_client_error("get_parameter", "AccessDeniedException", http_status_code=400)
    with pytest.raises(Exception, match="AccessDeniedException"):
        read(ledger.ssm, ledger.record.parameter)
    stubber.add_response(
        "get_parameter",
        {"Parameter": {"Name": ledger.record.parameter, "Value": "not json"}},
        {"Name": ANY},
    )
    assert read(ledger.ssm, ledger.record.parameter) is None  # not a record: not this suite's
