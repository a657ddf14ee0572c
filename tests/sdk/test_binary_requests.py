"""The requests the real action binary sends, checked by Alibaba's own SDK code.

fc-local records every request it receives (``--capture``); each record's signature is then
recomputed by ``alibabacloud_tea_openapi`` through ``sdk_signature`` and must match, for
long-term AccessKey credentials and for STS credentials with a security token.

The binaries and the ``fc_local`` fixture come from ``conftest.py``.
"""

import os
import subprocess

import sdk_signature
from conftest import ACTION, ROOT

KEY_ID = "LTAI-sdk-check"
SECRET = "sdk-check-secret"
TOKEN = "sdk-check-sts-token"


def publish(url, tmp_path, layer_name, credentials):
    env = {
        "PATH": os.environ["PATH"],
        "INPUT_LAYER-NAME": layer_name,
        "INPUT_CODE": str(ROOT / "examples/python-layer"),
        "INPUT_COMPATIBLE-RUNTIMES": "python3.10, python3.9",
        "INPUT_DESCRIPTION": "SDK conformance: ünïcode & \"quotes\"",
        "INPUT_LICENSE": "MIT",
        "INPUT_ENDPOINT": url,
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        **credentials,
    }
    return subprocess.run([ACTION], env=env, cwd=tmp_path, capture_output=True, text=True)


def action_of(record):
    return sdk_signature.header_values(record, "x-acs-action")[0]


def assert_sdk_accepts(capture, expected_count, token=None):
    records = sdk_signature.load_records(capture)
    assert len(records) == expected_count, "every request was captured"
    for record in records:
        # A layer's first listing finds no layer yet: FC answers 404 LayerNotFound.
        expected = (200, 404) if action_of(record) == "ListLayerVersions" else (200,)
        assert record["status"] in expected, (action_of(record), record["status"])
        problems = sdk_signature.check(record, KEY_ID, SECRET)
        assert problems == [], "\n".join(problems)
        tokens = sdk_signature.header_values(record, "x-acs-security-token")
        assert tokens == ([token] if token else [])
    return records


def test_access_key_requests_are_signed_as_the_sdk_signs(fc_local, tmp_path):
    url, capture = fc_local()
    for name in ["sdk-layer", "Sdk_Layer_2"]:
        result = publish(url, tmp_path, name, {"INPUT_ACCESS-KEY-ID": KEY_ID,
                                               "INPUT_ACCESS-KEY-SECRET": SECRET})
        assert result.returncode == 0, result.stdout + result.stderr
    records = assert_sdk_accepts(capture, 4)
    assert [(r["method"], r["path"], r["query"]) for r in records] == [
        ("GET", "/2023-03-30/layers/sdk-layer/versions", "limit=20"),
        ("POST", "/2023-03-30/layers/sdk-layer/versions", ""),
        ("GET", "/2023-03-30/layers/Sdk_Layer_2/versions", "limit=20"),
        ("POST", "/2023-03-30/layers/Sdk_Layer_2/versions", ""),
    ]


def test_sts_requests_are_signed_as_the_sdk_signs(fc_local, tmp_path):
    url, capture = fc_local("--security-token", TOKEN)
    result = publish(url, tmp_path, "sts-layer", {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
    })
    assert result.returncode == 0, result.stdout + result.stderr
    records = assert_sdk_accepts(capture, 2, token=TOKEN)
    assert [action_of(record) for record in records] == ["ListLayerVersions", "CreateLayerVersion"]
    for record in records:
        signed = sdk_signature.parse_authorization(
            sdk_signature.header_values(record, "authorization")[0])[1]["SignedHeaders"]
        assert "x-acs-security-token" in signed.split(";")


def test_the_sdk_check_catches_a_wrong_secret(fc_local, tmp_path):
    """The check is not vacuous: a request signed with another secret fails it too."""
    url, capture = fc_local()
    result = publish(url, tmp_path, "wrong", {"INPUT_ACCESS-KEY-ID": KEY_ID,
                                              "INPUT_ACCESS-KEY-SECRET": "not-the-secret"})
    assert result.returncode == 1
    [record] = sdk_signature.load_records(capture)  # the listing, refused: nothing after it
    assert record["status"] == 403
    assert any("ignature" in p for p in sdk_signature.check(record, KEY_ID, SECRET))
