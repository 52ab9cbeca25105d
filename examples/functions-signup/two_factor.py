# The book's two-factor handler (ch. 8, "handling events"): generate a code, register it, send it by SMS through
# the provider at SMS_PROVIDER_URL with the token SMS_PROVIDER_TOKEN (a Secret reference in the manifests).
import json
import os
import secrets
import urllib.request

CODES = {}


def handler(context):
    event = context.json or {}
    phone = event.get("phone")
    if not phone:
        return context.response(400, {"error": "'phone' is required"})
    code = "%06d" % secrets.randbelow(1000000)
    CODES[event.get("id", phone)] = code
    req = urllib.request.Request(
        os.environ["SMS_PROVIDER_URL"] + "/messages",
        data=json.dumps({"to": phone, "text": "Your code is " + code}).encode("utf-8"),
        headers={"content-type": "application/json", "authorization": "Bearer " + os.environ["SMS_PROVIDER_TOKEN"]},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as res:
        if res.status // 100 != 2:
            raise RuntimeError("SMS provider answered %d" % res.status)
    return {"sent": "2fa", "to": phone}
