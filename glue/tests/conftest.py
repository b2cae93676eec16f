"""Shared fixtures of the Glue script tests: AWS credentials for moto and its in-process mock."""
import pytest
from moto import mock_aws


@pytest.fixture
def mocked_aws(monkeypatch):
    """moto's in-process AWS (S3, CloudWatch …) with test credentials, no endpoint or profile leaking in."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    with mock_aws():
        yield
