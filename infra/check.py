#!/usr/bin/env python3
"""Offline checks of infra/cloudformation/pail.yaml beyond cfn-lint (scripts/test runs both):

1. The documents in the template are the local stack's: the role's trust and permission
   policies and the files bucket's CORS rules, with the template's intrinsic functions
   evaluated for sample parameters, equal stack/s3/*.json filled in with the same values.
2. The config.json the CloudFront function serves holds only settings the app knows
   (src/config.rs, SETTINGS), every required one, and values the app accepts.
3. The two CloudFront functions behave: run in Node (as CloudFront Functions' JavaScript runs)
   against sample events.

    infra/.venv/bin/python infra/check.py [-v] [template]      (-v: tracebacks of failures)

One line per check; exit status 1 if any fails.
"""
import copy
import json
import re
import subprocess
import sys
import traceback
from pathlib import Path

from cfnlint.decode import decode_str

REPO = Path(__file__).resolve().parent.parent
ARGS = [a for a in sys.argv[1:] if not a.startswith("-")]
TEMPLATE = Path(ARGS[0]).resolve() if ARGS else REPO / "infra" / "cloudformation" / "pail.yaml"
STACK_S3 = REPO / "stack" / "s3"

ACCOUNT, REGION, STACK = "123456789012", "eu-west-1", "pail-check"
DOMAIN = "d1example.cloudfront.net"
SAMPLE = {
    "IssuerUrl": "https://dev-123456.okta.com/oauth2/default",
    "ClientIds": ["0oaEXAMPLEclient"],
    "AllowedSubjects": [""],
    "ExistingOidcProviderArn": "",
    "OidcThumbprints": [""],
    "FilesBucketName": "acme-pail-files",
    "PrefixTemplate": "users/{sub}/",
    "MetadataKeys": ["description"],
    "RoleName": "pail-web-user",
    "SessionDurationSeconds": "3600",
    "MaxSessionDurationSeconds": "3600",
    "ExtraAllowedOrigins": [""],
    "PriceClass": "PriceClass_100",
}


class Evaluator:
    """Just enough of CloudFormation's intrinsic functions for this template."""

    def __init__(self, template, params):
        self.t, self.params = template, params
        self.resources = {"OidcProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/" + params["IssuerUrl"][len("https://"):],
                          "FilesBucket": params["FilesBucketName"], "AppBucket": "pail-check-appbucket-1a2b3c",
                          "Distribution": "E1EXAMPLE", "AppOriginAccess": "E2OAC"}
        self.attrs = {"Distribution.DomainName": DOMAIN, "FilesBucket.Arn": f"arn:aws:s3:::{params['FilesBucketName']}",
                      "AppBucket.Arn": "arn:aws:s3:::pail-check-appbucket-1a2b3c",
                      "AppBucket.RegionalDomainName": f"pail-check-appbucket-1a2b3c.s3.{REGION}.amazonaws.com",
                      "AppOriginAccess.Id": "E2OAC", "WebUserRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{params['RoleName']}",
                      "AppRequestFunction.FunctionARN": "arn:fn:req", "AppResponseFunction.FunctionARN": "arn:fn:resp"}
        self.pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::StackName": STACK}

    def ref(self, name, local=None):
        for scope in (local or {}, self.params, self.pseudo, self.resources):
            if name in scope:
                return scope[name]
        raise KeyError(f"unknown reference {name}")

    def condition(self, name):
        return self.eval(self.t["Conditions"][name])

    def sub(self, text, local):
        def repl(m):
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                return self.attrs[name]
            return str(self.ref(name))
        return re.sub(r"\$\{([^}]*)\}", repl, text)

    def eval(self, node):
        if isinstance(node, list):
            return [v for v in (self.eval(x) for x in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self.ref(arg)
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self.sub(arg, {})
                text, variables = arg
                return self.sub(text, {k: self.eval(v) for k, v in variables.items()})
            if key == "Fn::Join":
                return arg[0].join(self.eval(arg[1]))
            if key == "Fn::Split":
                return self.eval(arg[1]).split(arg[0])
            if key == "Fn::Select":
                return self.eval(arg[1])[int(self.eval(arg[0]))]
            if key == "Fn::If":
                return self.eval(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.eval(arg[0]) == self.eval(arg[1])
            if key == "Fn::Not":
                return not self.eval(arg[0])
            if key == "Fn::GetAtt":
                return self.attrs[".".join(arg) if isinstance(arg, list) else arg]
            if key == "Condition":
                return self.condition(arg)
        return {k: v for k, v in ((k, self.eval(v)) for k, v in node.items()) if v is not NO_VALUE}


NO_VALUE = object()


def stack_document(name, values, origins):
    """stack/s3/<name> filled in as stack/s3/adapter.py does."""
    text = (STACK_S3 / name).read_text()
    for key, value in values.items():
        if not key.startswith("_"):
            text = text.replace(f"@{key}@", value)
    lists = {"@ORIGINS@": origins, "@METADATA_HEADERS@": [f"x-amz-meta-{k}" for k in values["_KEYS"]]}

    def expand(obj):
        return {k: [o for x in v for o in (lists[x] if isinstance(x, str) and x in lists else [x])]
                if isinstance(v, list) else v for k, v in obj.items()}
    return json.loads(text, object_hook=expand)


def normalize(doc):
    """Single values and one-element lists mean the same to IAM."""
    if isinstance(doc, dict):
        return {k: normalize(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return normalize(doc[0]) if len(doc) == 1 else [normalize(x) for x in doc]
    return doc


def rendered(params):
    template, matches = decode_str(TEMPLATE.read_text())
    assert not matches, matches
    ev = Evaluator(template, params)
    res = template["Resources"]
    role = res["WebUserRole"]["Properties"]
    trust = json.loads(ev.eval(role["AssumeRolePolicyDocument"]))
    permissions = json.loads(ev.eval(role["Policies"][0]["PolicyDocument"]))
    cors = ev.eval(res["FilesBucket"]["Properties"]["CorsConfiguration"])
    request_fn = ev.eval(res["AppRequestFunction"]["Properties"]["FunctionCode"])
    response_fn = ev.eval(res["AppResponseFunction"]["Properties"]["FunctionCode"])
    return template, trust, permissions, cors, request_fn, response_fn


def stack_values(params):
    host = params["IssuerUrl"][len("https://"):]
    return {"ACCOUNT_ID": ACCOUNT, "ISSUER_HOST": host, "CLIENT_ID": params["ClientIds"][0],
            "BUCKET": params["FilesBucketName"], "HOME": params["PrefixTemplate"].replace("{sub}", "${" + host + ":sub}"),
            "_KEYS": params["MetadataKeys"]}


# ---------------------------------------------------------------- checks

def check_policies_match_the_stack():
    """Trust and permission policies equal stack/s3/*.json for the same values (two prefix templates)."""
    for prefix in ("users/{sub}/", "tenants/acme/{sub}/files/"):
        params = {**SAMPLE, "PrefixTemplate": prefix}
        _, trust, permissions, _, _, _ = rendered(params)
        values = stack_values(params)
        assert normalize(trust) == normalize(stack_document("trust-policy.json", values, [])), json.dumps(trust, indent=2)
        expected = stack_document("permission-policy.json", values, [])
        assert permissions == expected, f"{json.dumps(permissions, indent=2)}\n!=\n{json.dumps(expected, indent=2)}"
    assert "${dev-123456.okta.com/oauth2/default:sub}" in json.dumps(permissions), "the IAM policy variable survives Fn::Sub"


def check_trust_policy_options():
    """Trust policy: several audiences, the optional subject condition, and no sub with "/" either way."""
    params = {**SAMPLE, "ClientIds": ["spa", "other"], "AllowedSubjects": ["alice", "team-*"]}
    _, trust, _, _, _, _ = rendered(params)
    cond = trust["Statement"][0]["Condition"]
    host = "dev-123456.okta.com/oauth2/default"
    assert cond["StringEquals"] == {f"{host}:aud": ["spa", "other"]}, cond
    assert cond["StringLike"] == {f"{host}:sub": ["alice", "team-*"]}, cond
    assert cond["StringNotLike"] == {f"{host}:sub": "*/*"}, cond


def check_cors_matches_the_stack():
    """Bucket CORS equals stack/s3/bucket-cors.json (origins: CloudFront + extras; every metadata key exposed)."""
    params = {**SAMPLE, "MetadataKeys": ["description", "project"], "ExtraAllowedOrigins": ["http://localhost:8080"]}
    _, _, _, cors, _, _ = rendered(params)
    origins = [f"https://{DOMAIN}", "http://localhost:8080"]
    expected = stack_document("bucket-cors.json", stack_values(params), origins)["CORSRules"]
    # CloudFormation spells two fields differently from the S3 API.
    ours = [{("ExposeHeaders" if k == "ExposedHeaders" else "MaxAgeSeconds" if k == "MaxAge" else k): v for k, v in r.items()}
            for r in cors["CorsRules"]]
    assert ours == expected, f"{ours}\n!=\n{expected}"
    assert "ETag" in ours[0]["ExposeHeaders"] and "x-amz-meta-project" in ours[0]["ExposeHeaders"]


def check_bucket_is_private_and_encrypted():
    """Files and app buckets: Block Public Access (all four), default encryption, owner-enforced."""
    template, *_ = rendered(SAMPLE)
    for name in ("FilesBucket", "AppBucket"):
        props = template["Resources"][name]["Properties"]
        assert all(props["PublicAccessBlockConfiguration"][k] is True for k in
                   ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), name
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"


def config_json(request_fn):
    m = re.search(r"// BEGIN config.json\nvar CONFIG = (.*);\n// END config.json", request_fn)
    assert m, request_fn
    return json.loads(m.group(1))


def app_settings():
    """(json name, required) for every setting in src/config.rs."""
    source = (REPO / "src" / "config.rs").read_text()
    found = re.findall(r'Setting::(required|optional)\(\s*"(PAIL_[A-Z0-9_]+)",\s*"([a-z0-9_]+)"', source)
    assert len(found) >= 10, found
    return {json_name: kind == "required" for kind, _, json_name in found}


def check_config_json_is_one_the_app_reads():
    """config.json from the CloudFront function: known settings only, every required one, valid values."""
    params = {**SAMPLE, "MetadataKeys": ["description", "project"]}
    _, _, _, _, request_fn, _ = rendered(params)
    config = config_json(request_fn)
    settings = app_settings()
    assert set(config) <= set(settings), set(config) - set(settings)
    assert {k for k, req in settings.items() if req} <= set(config), config
    assert config == {
        "oidc_issuer": SAMPLE["IssuerUrl"], "oidc_client_id": "0oaEXAMPLEclient", "aws_region": REGION,
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/pail-web-user", "session_duration_seconds": 3600,
        "s3_bucket": "acme-pail-files", "prefix_template": "users/{sub}/", "metadata_keys": ["description", "project"],
    }, config


NODE_HARNESS = r"""
const [code, events] = [process.argv[1], JSON.parse(process.argv[2])];
const handler = new Function(code + '\nreturn handler;')();
process.stdout.write(JSON.stringify(events.map((e) => handler(e))));
"""


def run_function(code, events):
    out = subprocess.run(["node", "-e", NODE_HARNESS, code, json.dumps(events)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def check_cloudfront_functions():
    """CloudFront functions (in Node): /config.json answered, app routes -> index.html, files as they are; cache headers; the page's CSP."""
    _, _, _, _, request_fn, response_fn = rendered(SAMPLE)
    uris = ["/config.json", "/", "/callback", "/doctor", "/pail-4f3c2a.wasm", "/style/main-1a2b.css", "/assets/x.y/z"]
    out = run_function(request_fn, [{"request": {"uri": u, "headers": {}}} for u in uris])
    config = out[0]
    assert config["statusCode"] == 200 and config["headers"]["cache-control"]["value"] == "no-cache", config
    assert json.loads(config["body"]["data"])["s3_bucket"] == "acme-pail-files", config
    assert [r["uri"] for r in out[1:]] == ["/index.html", "/index.html", "/index.html", "/pail-4f3c2a.wasm",
                                          "/style/main-1a2b.css", "/index.html"], out
    resp = run_function(response_fn, [{"request": {"uri": u}, "response": {"statusCode": 200, "headers": {}}}
                                      for u in ("/index.html", "/callback", "/pail-4f3c2a.wasm")])
    assert [r["headers"]["cache-control"]["value"] for r in resp] == [
        "no-cache", "no-cache", "public, max-age=31536000, immutable"], resp
    # The page's policy as the build writes it (scripts/csp.mjs), plus frame-ancestors.
    policy = subprocess.run(["node", "-e", "import('./scripts/csp.mjs').then((m) => process.stdout.write(m.POLICY))"],
                            cwd=REPO, capture_output=True, text=True, timeout=30, check=True).stdout
    assert policy and all(r["headers"]["content-security-policy"]["value"] == f"{policy}; frame-ancestors 'self'"
                          for r in resp[:2]), (policy, resp)
    assert "content-security-policy" not in resp[2]["headers"], resp[2]


def main():
    checks = [(n, f) for n, f in globals().items() if n.startswith("check_")]
    failed = 0
    for name, fn in checks:
        try:
            fn()
            print(f"PASS  {fn.__doc__.strip().splitlines()[0]}")
        except Exception as e:  # noqa: BLE001 - one line per failed check
            failed += 1
            print(f"FAIL  {fn.__doc__.strip().splitlines()[0]}  -> {type(e).__name__}: {e}")
            if "-v" in sys.argv:
                traceback.print_exc()
    print(f"{len(checks) - failed}/{len(checks)} passed ({TEMPLATE})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
