"""An independent Standard Webhooks v1 verifier, from Python's standard library only.

Usage: verify_standard_webhook.py SECRET WEBHOOK_ID TIMESTAMP SIGNATURE_HEADER < BODY
Prints "valid" and exits 0 when some v1 entry of SIGNATURE_HEADER is the HMAC-SHA256 of
"WEBHOOK_ID.TIMESTAMP.BODY" keyed with the base64-decoded SECRET (after "whsec_") and
TIMESTAMP is within 5 minutes of now; otherwise prints the reason and exits 1.
"""
import base64
import hashlib
import hmac
import sys
import time


def main() -> int:
    secret, webhook_id, timestamp, header = sys.argv[1:5]
    body = sys.stdin.buffer.read()
    if not secret.startswith("whsec_"):
        print("secret has no whsec_ prefix")
        return 1
    key = base64.b64decode(secret[len("whsec_"):])
    if abs(time.time() - int(timestamp)) > 300:
        print("timestamp too far from now")
        return 1
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in header.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            print("valid")
            return 0
    print("no matching v1 signature")
    return 1


if __name__ == "__main__":
    sys.exit(main())
