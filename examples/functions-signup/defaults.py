# The book's request-defaulting decorator (ch. 8): fills in the fields a caller left out, then the decorator
# passes the request on to the existing API.
def handler(context):
    obj = context.json
    if not isinstance(obj, dict):
        return context.response(400, {"error": "a JSON object is required"})
    obj.setdefault("name", "unknown")
    obj.setdefault("color", "blue")
    obj.setdefault("size", "medium")
    return obj
