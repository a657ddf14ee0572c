"""The release's function calls (``alias``, ``alias-weight``, ``functions: '*'``,
``keep-versions``) from the real action binary, checked against what Alibaba's FC 3.0 SDK
(``alibabacloud-fc20230330``, pinned in requirements.txt) builds for the same calls.

Two runs of the binary against one fc-local (``--strict-function-update``): a canary at
``alias-weight: 10``, then the promotion at 100. Every captured request's ACS3 signature is
recomputed with ``alibabacloud_tea_openapi`` (through ``sdk_signature``). Then the calls the
runs should make are made again through the SDK's own ``Client`` (``*_with_options``, its
request models) against a second fc-local seeded alike, as ``test_sts_requests`` does for
AssumeRole; the SDK's requests, captured the same way, are the oracle: each of the binary's
ListFunctions, GetFunction (with and without ``qualifier``), UpdateFunction,
PublishFunctionVersion, ListFunctionVersions, GetAlias, CreateAlias and UpdateAlias has the
SDK's method, pathname (the SDK's ``DaraURL.percent_encode`` per segment), query (decoded),
JSON body (parsed), ``x-acs-action`` and ``x-acs-version``, and the same answer status; each
function's calls come in the order the SDK's were made, the run's calls as a whole are the
SDK's, no more and no fewer.
"""

import base64
import copy
import json
import os
import subprocess
from urllib.parse import unquote

import sdk_signature
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from conftest import ACTION, ROOT
from darabonba.runtime import RuntimeOptions

KEY_ID = "LTAI-sdk-release"
SECRET = "sdk-release-secret"
ACCOUNT = "1234567890123456"
OFFICIAL = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2"
LAYER = "sdk-layer"
ALIAS = "prod"
# What the action writes in the versions it publishes: the layer version they hold.
DESCRIPTION = f"{LAYER} version 3 (fc-layer-action)"
FUNCTION_ACTIONS = {"ListFunctions", "GetFunction", "UpdateFunction", "PublishFunctionVersion",
                    "ListFunctionVersions", "GetAlias", "CreateAlias", "UpdateAlias"}


def ours(version):
    return f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/{LAYER}/versions/{version}"


# The layer has versions 1 and 2; `api` runs 2 and has version 1 (the same layers) behind
# alias prod; `Worker_2` runs 2 without a version or an alias; `other` uses no layer; the
# FC 2.0 function `legacy` runs 2, so keep-versions spares it and deletes 1.
SEEDS = (
    "--seed", f"{LAYER}:2",
    "--function", f"api:{OFFICIAL},{ours(2)}",
    "--function-version", f"api:{OFFICIAL},{ours(2)}",
    "--alias", f"api:{ALIAS}:1",
    "--function", f"Worker_2:{ours(2)}",
    "--function", "other",
    "--function-v2", f"legacy:{ours(2)}",
    "--strict-function-update",
)
# The SDK's fc-local: the same, but for version 3 of the layer, which the binary's run
# creates (the layer calls are not made again) and its functions are moved to.
SDK_SEEDS = ("--seed", f"{LAYER}:3", *SEEDS[2:])

# The calls each run should make, as (action, arguments of `sdk_call`), each function's in
# its order. ListFunctions leaves out the layers of a function that has none (as FC may), so
# `other` is read after each listing.
CANARY = [
    ("ListFunctions", {"fc_version": "v3"}),
    ("GetFunction", {"name": "other"}),
    ("GetFunction", {"name": "Worker_2"}),
    ("UpdateFunction", {"name": "Worker_2", "layers": [ours(3)]}),
    ("GetFunction", {"name": "Worker_2"}),
    ("GetFunction", {"name": "api"}),
    ("UpdateFunction", {"name": "api", "layers": [OFFICIAL, ours(3)]}),
    ("GetFunction", {"name": "api"}),
    # No alias yet: a version is published and the alias created on it, all traffic.
    ("GetAlias", {"name": "Worker_2"}),
    ("ListFunctionVersions", {"name": "Worker_2"}),
    ("PublishFunctionVersion", {"name": "Worker_2"}),
    ("CreateAlias", {"name": "Worker_2", "version": "1"}),
    # prod's version 1 has the old layers: version 2 is published and gets 10% as canary.
    ("GetAlias", {"name": "api"}),
    ("GetFunction", {"name": "api", "qualifier": "1"}),
    ("ListFunctionVersions", {"name": "api"}),
    ("PublishFunctionVersion", {"name": "api"}),
    ("UpdateAlias", {"name": "api", "version": "1", "weights": {"2": 0.1}}),
    # keep-versions: FC 2.0's functions too.
    ("ListFunctions", {}),
    ("GetFunction", {"name": "other"}),
]
PROMOTE = [
    ("ListFunctions", {"fc_version": "v3"}),
    ("GetFunction", {"name": "other"}),
    ("GetFunction", {"name": "Worker_2"}),
    ("GetFunction", {"name": "api"}),
    # Worker_2's prod is on version 1 with the new layers, all traffic: nothing written.
    ("GetAlias", {"name": "Worker_2"}),
    ("GetFunction", {"name": "Worker_2", "qualifier": "1"}),
    # api's canary, version 2, has the new layers: no version published, it becomes the
    # main version and the canary is cleared with {}.
    ("GetAlias", {"name": "api"}),
    ("GetFunction", {"name": "api", "qualifier": "1"}),
    ("GetFunction", {"name": "api", "qualifier": "2"}),
    ("UpdateAlias", {"name": "api", "version": "2", "weights": {}}),
    ("ListFunctions", {}),
    ("GetFunction", {"name": "other"}),
]


def sdk_call(client, action, name=None, **kw):
    """`action` made through the SDK's client and request models, as a program would."""
    runtime = RuntimeOptions()
    m = fc_models
    if action == "ListFunctions":
        request = m.ListFunctionsRequest(limit=100, fc_version=kw.get("fc_version"))
        return client.list_functions_with_options(request, {}, runtime)
    if action == "GetFunction":
        request = m.GetFunctionRequest(qualifier=kw.get("qualifier"))
        return client.get_function_with_options(name, request, {}, runtime)
    if action == "UpdateFunction":
        body = m.UpdateFunctionInput(layers=kw["layers"])
        return client.update_function_with_options(
            name, m.UpdateFunctionRequest(body=body), {}, runtime)
    if action == "ListFunctionVersions":
        request = m.ListFunctionVersionsRequest(direction="BACKWARD", limit=100)
        return client.list_function_versions_with_options(name, request, {}, runtime)
    if action == "PublishFunctionVersion":
        body = m.PublishVersionInput(description=DESCRIPTION)
        return client.publish_function_version_with_options(
            name, m.PublishFunctionVersionRequest(body=body), {}, runtime)
    if action == "GetAlias":
        return client.get_alias_with_options(name, ALIAS, {}, runtime)
    if action == "CreateAlias":
        body = m.CreateAliasInput(alias_name=ALIAS, version_id=kw["version"],
                                  additional_version_weight=kw.get("weights"))
        return client.create_alias_with_options(
            name, m.CreateAliasRequest(body=body), {}, runtime)
    if action == "UpdateAlias":
        body = m.UpdateAliasInput(version_id=kw["version"],
                                  additional_version_weight=kw["weights"])
        return client.update_alias_with_options(
            name, ALIAS, m.UpdateAliasRequest(body=body), {}, runtime)
    raise ValueError(action)


def sdk_requests(url, capture, calls):
    """The SDK's records for `calls`, made in order against the fc-local at `url`."""
    before = len(sdk_signature.load_records(capture)) if capture.exists() else 0
    client = FcClient(open_api_models.Config(
        access_key_id=KEY_ID, access_key_secret=SECRET,
        endpoint=url.removeprefix("http://"), protocol="http"))
    for action, arguments in calls:
        try:
            sdk_call(client, action, **arguments)
        except AlibabaCloudException as error:
            # FC's refusals (GetAlias of an alias not there yet) are calls made all the same.
            assert getattr(error, "code", None) == "AliasNotFound", (action, error)
    return sdk_signature.load_records(capture)[before:]


def run_action(url, tmp_path, weight):
    env = {
        "PATH": os.environ["PATH"],
        "INPUT_LAYER-NAME": LAYER,
        "INPUT_CODE": str(ROOT / "examples/python-layer"),
        "INPUT_ENDPOINT": url,
        "INPUT_ACCESS-KEY-ID": KEY_ID,
        "INPUT_ACCESS-KEY-SECRET": SECRET,
        "INPUT_FUNCTIONS": "*",
        "INPUT_ALIAS": ALIAS,
        "INPUT_ALIAS-WEIGHT": str(weight),
        "INPUT_KEEP-VERSIONS": "1",
        "GITHUB_OUTPUT": str(tmp_path / f"github_output-{weight}"),
    }
    result = subprocess.run([ACTION], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def action_of(record):
    [action] = sdk_signature.header_values(record, "x-acs-action")
    return action


def query_of(record):
    pairs = [part.partition("=") for part in filter(None, record["query"].split("&"))]
    return {unquote(key): unquote(value) for key, _, value in pairs}


def signed_names(record):
    authorization = sdk_signature.header_values(record, "authorization")[0]
    return sdk_signature.parse_authorization(authorization)[1]["SignedHeaders"].split(";")


def shape(record):
    """What FC acts on: the call, where, with what, and what it answered."""
    body = sdk_signature.body_bytes(record)
    return (
        action_of(record),
        tuple(sdk_signature.header_values(record, "x-acs-version")),
        record["method"],
        record["path"],
        tuple(sorted(query_of(record).items())),
        json.dumps(json.loads(body), sort_keys=True) if body else None,
        record["status"],
    )


def subject(record):
    """The function a call is about; ListFunctions is about the region."""
    parts = record["path"].split("/")
    return unquote(parts[3]) if len(parts) > 3 else "(region)"


def by_subject(records):
    grouped = {}
    for record in records:
        grouped.setdefault(subject(record), []).append(shape(record))
    return grouped


def release_runs(fc_local, tmp_path):
    """The binary's captured requests of the canary run and of the promotion (layer calls
    included), and of those the function calls."""
    url, capture = fc_local(*SEEDS)
    run_action(url, tmp_path, 10)
    canary_count = len(sdk_signature.load_records(capture))
    run_action(url, tmp_path, 100)
    records = sdk_signature.load_records(capture)
    runs = [records[:canary_count], records[canary_count:]]
    calls = [[r for r in run if action_of(r) in FUNCTION_ACTIONS] for run in runs]
    return runs, calls


def test_release_requests_are_signed_and_shaped_as_the_fc_sdk_makes_them(fc_local, tmp_path):
    runs, (canary, promote) = release_runs(fc_local, tmp_path)
    for record in runs[0] + runs[1]:
        problems = sdk_signature.check(record, KEY_ID, SECRET)
        assert problems == [], "\n".join(problems)

    sdk_url, sdk_capture = fc_local(*SDK_SEEDS)
    sdk_canary = sdk_requests(sdk_url, sdk_capture, CANARY)
    sdk_promote = sdk_requests(sdk_url, sdk_capture, PROMOTE)
    for ours_, sdks in [(canary, sdk_canary), (promote, sdk_promote)]:
        # The oracle holds for the SDK's own requests too.
        for record in sdks:
            assert sdk_signature.check(record, KEY_ID, SECRET) == []
        assert sorted(map(shape, ours_)) == sorted(map(shape, sdks))
        assert by_subject(ours_) == by_subject(sdks)
        for mine, theirs in zip(sorted(ours_, key=shape), sorted(sdks, key=shape)):
            if sdk_signature.body_bytes(mine):
                for record in (mine, theirs):
                    [content_type] = sdk_signature.header_values(record, "content-type")
                    assert content_type.startswith("application/json"), content_type
            # The binary signs what FC's verifier needs; the SDK signs those and more.
            assert set(signed_names(mine)) <= set(signed_names(theirs))
            assert {"host", "x-acs-action", "x-acs-version", "x-acs-date",
                    "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed_names(mine))

    # '*' is listed before anything is written, keep-versions' listing (FC 2.0 included)
    # after the aliases moved.
    actions = [action_of(r) for r in canary]
    writes = [i for i, a in enumerate(actions) if a in ("UpdateFunction", "PublishFunctionVersion",
                                                         "CreateAlias", "UpdateAlias")]
    listings = [i for i, a in enumerate(actions) if a == "ListFunctions"]
    assert [query_of(canary[i]) for i in listings] == [{"limit": "100", "fcVersion": "v3"},
                                                       {"limit": "100"}]
    assert listings[0] < writes[0] and listings[1] > writes[-1]
    # The promotion published nothing: no layer version, no function version.
    assert {"CreateLayerVersion", "PublishFunctionVersion", "CreateAlias"}.isdisjoint(
        action_of(r) for r in runs[1])


def test_the_comparison_refuses_a_tampered_alias_update(fc_local, tmp_path):
    """Neither check passes vacuously: a canary weight or an alias changed after signing
    fails the signature, and no longer has the SDK's shape."""
    _, (canary, _) = release_runs(fc_local, tmp_path)
    [update] = [r for r in canary if action_of(r) == "UpdateAlias"]
    assert sdk_signature.check(update, KEY_ID, SECRET) == []
    heavier = copy.deepcopy(update)
    body = json.loads(sdk_signature.body_bytes(update))
    body["additionalVersionWeight"] = {"2": 0.2}
    heavier["body_base64"] = base64.b64encode(json.dumps(body).encode()).decode()
    other_alias = copy.deepcopy(update)
    other_alias["path"] = update["path"].replace(f"/aliases/{ALIAS}", "/aliases/staging")
    for tampered in (heavier, other_alias):
        problems = sdk_signature.check(tampered, KEY_ID, SECRET)
        assert any(p.startswith("Authorization mismatch") for p in problems), problems
        assert shape(tampered) != shape(update)
