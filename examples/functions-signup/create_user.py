# The sign-up pipeline's entry (ch. 8): validate and create the user; the runtime then calls the required
# successors (welcome mail) always and the optional ones (2FA by SMS) when the event has their field.
import hashlib


def handler(context):
    user = context.json
    if not isinstance(user, dict) or not user.get("email"):
        return context.response(400, {"error": "'email' is required"})
    if user.get("fail"):
        raise RuntimeError("asked to fail")
    user_id = hashlib.sha256(user["email"].encode("utf-8")).hexdigest()[:12]
    event = {"id": user_id, "email": user["email"]}
    if user.get("phone"):
        event["phone"] = user["phone"]
    return event
