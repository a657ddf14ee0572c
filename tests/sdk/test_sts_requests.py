"""Role chaining checked by Alibaba's STS SDK (``alibabacloud-sts20150401`` 1.2.0).

The STS SDK's ``assume_role`` goes through ``alibabacloud_tea_openapi``'s ``call_api`` ->
``do_request``, which signs with ACS3-HMAC-SHA256 through ``Utils.get_authorization``: the
same signer ``sdk_signature`` recomputes. So the binary's captured AssumeRole is checked two
ways: its signature as the SDK computes it, and its shape (method, path, query, signed
headers) against the request the STS SDK itself sends for the same role, captured by the same
fc-local, which accepts both. The FC calls after it are checked as signed by the role's
credentials, the secret and token read from the binary's ``::add-mask::`` lines.
"""

import os
import subprocess
from urllib.parse import unquote

import sdk_signature
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import utils_models as open_api_models
from conftest import ACTION, ROOT

KEY_ID = "LTAI-sdk-sts-check"
SECRET = "sdk-sts-check-secret"
ROLE = "acs:ram::1234567890123456:role/fc-publisher"
SESSION = "sdk-conformance"
EXTERNAL_ID = "ext-42"


def action_of(record):
    return sdk_signature.header_values(record, "x-acs-action")[0]


def query_of(record):
    pairs = [part.partition("=") for part in filter(None, record["query"].split("&"))]
    return {unquote(key): unquote(value) for key, _, value in pairs}


def signed_names(record):
    authorization = sdk_signature.header_values(record, "authorization")[0]
    return sdk_signature.parse_authorization(authorization)[1]["SignedHeaders"].split(";")


def chain(url, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "INPUT_LAYER-NAME": "sts-chain-layer",
        "INPUT_CODE": str(ROOT / "examples/python-layer"),
        "INPUT_ENDPOINT": url,
        "INPUT_STS-ENDPOINT": url,
        "INPUT_ACCESS-KEY-ID": KEY_ID,
        "INPUT_ACCESS-KEY-SECRET": SECRET,
        "INPUT_ROLE-TO-ASSUME": ROLE,
        "INPUT_ROLE-SESSION-NAME": SESSION,
        "INPUT_ROLE-DURATION-SECONDS": "1800",
        "INPUT_ROLE-EXTERNAL-ID": EXTERNAL_ID,
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    return subprocess.run([ACTION], env=env, cwd=tmp_path, capture_output=True, text=True)


def sdk_assume_role(url):
    host = url.removeprefix("http://")
    client = StsClient(open_api_models.Config(
        access_key_id=KEY_ID, access_key_secret=SECRET, endpoint=host, protocol="http"))
    return client.assume_role(sts_models.AssumeRoleRequest(
        role_arn=ROLE, role_session_name=SESSION, duration_seconds=1800,
        external_id=EXTERNAL_ID))


def test_the_binarys_assume_role_is_signed_and_shaped_as_the_sts_sdk_sends_it(fc_local, tmp_path):
    url, capture = fc_local("--role-external-id", EXTERNAL_ID)
    result = chain(url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    records = sdk_signature.load_records(capture)
    assert [action_of(r) for r in records] == ["AssumeRole", "ListLayerVersions",
                                                "CreateLayerVersion"]
    assume = records[0]
    assert assume["status"] == 200
    assert sdk_signature.check(assume, KEY_ID, SECRET) == []
    assert sdk_signature.header_values(assume, "x-acs-security-token") == []

    # The role's secret and token, as the binary masked them; the FC calls are signed by them.
    masked = [line.removeprefix("::add-mask::") for line in result.stdout.splitlines()
              if line.startswith("::add-mask::")]
    assert masked[0] == SECRET
    role_secret, role_token = masked[1], masked[2]
    for record in records[1:]:
        authorization = sdk_signature.header_values(record, "authorization")[0]
        role_key = sdk_signature.parse_authorization(authorization)[1]["Credential"]
        assert role_key.startswith("STS."), role_key
        assert sdk_signature.check(record, role_key, role_secret) == []
        assert sdk_signature.header_values(record, "x-acs-security-token") == [role_token]
        for secret in (SECRET, role_secret, role_token):
            assert secret not in "\n".join(
                line for line in result.stdout.splitlines() if not line.startswith("::add-mask::"))

    # The STS SDK's own request for the same role, through the same fc-local.
    sdk_url, sdk_capture = fc_local("--role-external-id", EXTERNAL_ID)
    reply = sdk_assume_role(sdk_url)
    assert reply.body.credentials.access_key_id.startswith("STS.")
    [sdk] = sdk_signature.load_records(sdk_capture)
    assert sdk["status"] == 200
    assert sdk_signature.check(sdk, KEY_ID, SECRET) == []
    assert (assume["method"], assume["path"]) == (sdk["method"], sdk["path"]) == ("POST", "/")
    assert query_of(assume) == query_of(sdk) == {
        "RoleArn": ROLE, "RoleSessionName": SESSION, "DurationSeconds": "1800",
        "ExternalId": EXTERNAL_ID}
    for name in ("x-acs-action", "x-acs-version"):
        assert (sdk_signature.header_values(assume, name)
                == sdk_signature.header_values(sdk, name))
    # The binary signs the headers the SDK's verifier needs; the SDK signs those and more.
    assert set(signed_names(assume)) <= set(signed_names(sdk))
    assert {"host", "x-acs-action", "x-acs-version", "x-acs-date",
            "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed_names(assume))


def test_the_sdk_check_refuses_an_assume_role_signed_with_another_secret(fc_local, tmp_path):
    """The oracle is not vacuous: the binary's AssumeRole does not pass for another secret."""
    url, capture = fc_local("--role-external-id", EXTERNAL_ID)
    assert chain(url, tmp_path).returncode == 0
    assume = sdk_signature.load_records(capture)[0]
    assert any("ignature" in problem
               for problem in sdk_signature.check(assume, KEY_ID, "another-secret"))
