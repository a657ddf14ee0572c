"""The rollout's GetFunction and UpdateFunction requests from the real action binary, checked
by Alibaba's own SDK code: each captured request's ACS3 signature is recomputed with
``alibabacloud_tea_openapi`` (through ``sdk_signature``), its path is the one FC's generated
client builds (``Utils.get_encode_param`` per segment), and UpdateFunction's body holds
``layers`` and nothing else. fc-local runs with ``--strict-function-update`` as well.
"""

import json
import os
import subprocess

import sdk_signature
from alibabacloud_tea_openapi.utils import Utils
from conftest import ACTION, ROOT

KEY_ID = "LTAI-sdk-rollout"
SECRET = "sdk-rollout-secret"
ACCOUNT = "1234567890123456"
OFFICIAL = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2"


def ours(version):
    return f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/sdk-layer/versions/{version}"


def test_function_requests_are_signed_and_shaped_as_the_sdk_makes_them(fc_local, tmp_path):
    url, capture = fc_local(
        "--seed", "sdk-layer:1",
        "--function", f"api:{OFFICIAL},{ours(1)}",
        "--function", "Worker_2",
        "--strict-function-update",
    )
    env = {
        "PATH": os.environ["PATH"],
        "INPUT_LAYER-NAME": "sdk-layer",
        "INPUT_CODE": str(ROOT / "examples/python-layer"),
        "INPUT_ENDPOINT": url,
        "INPUT_ACCESS-KEY-ID": KEY_ID,
        "INPUT_ACCESS-KEY-SECRET": SECRET,
        "INPUT_FUNCTIONS": "api, Worker_2",
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    result = subprocess.run([ACTION], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

    records = sdk_signature.load_records(capture)
    calls = [r for r in records if "/functions/" in r["path"]]
    for record in records:
        assert record["status"] == 200, record["path"]
        problems = sdk_signature.check(record, KEY_ID, SECRET)
        assert problems == [], "\n".join(problems)

    def path(name):
        return "/2023-03-30/functions/" + Utils.get_encode_param(name)

    # Two functions at once: their requests interleave, each function's keep their order.
    for name, layers in [("api", [OFFICIAL, ours(2)]), ("Worker_2", [ours(2)])]:
        own = [r for r in calls if r["path"] == path(name)]
        assert [r["method"] for r in own] == ["GET", "PUT", "GET"]
        for record in own:
            assert sdk_signature.header_values(record, "x-acs-version") == ["2023-03-30"]
            assert record["query"] == ""
        get, put, _ = own
        assert sdk_signature.header_values(get, "x-acs-action") == ["GetFunction"]
        assert sdk_signature.body_bytes(get) == b""
        assert sdk_signature.header_values(put, "x-acs-action") == ["UpdateFunction"]
        assert json.loads(sdk_signature.body_bytes(put)) == {"layers": layers}
        assert sdk_signature.header_values(put, "content-type")[0].startswith("application/json")
    assert len(calls) == 6
