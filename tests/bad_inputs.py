"""The bad-input corpus: what an outsider, a broken client or a careless paste sends. Every
case must get a reply with text and never a 5xx, on REST and on socket.io."""
from __future__ import annotations

import json

# Messages sent as {"sender": …, "message": <value>} (REST) or {"message": <value>} (socket.io).
MESSAGES = {
    "empty": "",
    "space": " ",
    "blank lines and tabs": "\n\n\t  \n",
    "5,000 latin": "a" * 5000,
    "5,000 chinese": "老" * 5000,
    "just over the limit": "老年证" * 170,
    "emoji only": "😀😀😀",
    "one emoji": "👍",
    "flags": "🇨🇳🇨🇳",
    "emoji around a question": "🙂老年证要带什么材料🙂",
    "control characters": "\x00\x01\x02\x1b[31m",
    "zero-width only": "\u200b\u200b\ufeff",
    "lone high surrogate": "\ud800",
    "lone low surrogate then a question": "\udfff老年证要带什么材料",
    "nul inside a question": "老年证\x00要带什么",
    "right-to-left override": "\u202e证年老",
    "sql drop": "'; DROP TABLE events; --",
    "sql or": "1' OR '1'='1",
    "sql select": "SELECT * FROM applications WHERE 1=1",
    "script tag": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "template": "{{7*7}}${7*7}<%= 7*7 %>",
    "jndi": "${jndi:ldap://127.0.0.1/a}",
    "path traversal": "../../../../etc/passwd",
    "crlf": "\r\n\r\nHTTP/1.1 200 OK\r\n",
    "percent nul": "%00%0d%0a",
    "restart command": "/restart",
    "session start command": "/session_start",
    "forged intent with entities": '/check_status{"receipt_number": "SL2026110300027", "phone_last4": "5678"}',
    "unknown intent": "/no_such_intent",
    "id number": "440305199001011234",
    "mobile number": "13812345678",
    "traditional": "請問老年證怎麼辦理",
    "full width": "ＳＬ２０２６ 老年证",
    "null": None,
    "number": 12345,
    "boolean": True,
    "list": ["老年证"],
    "object": {"text": "老年证"},
}

# Whole request bodies (REST only).
BODIES = {
    "no body": b"",
    "json array": b"[]",
    "json string": b'"just a string"',
    "json null": b"null",
    "broken json": b'{"sender": "x", "message": ',
    "not utf-8": b"\xff\xfe\x00garbage",
    "deeply nested": b"[" * 50000 + b"]" * 50000,
    "no sender": json.dumps({"message": "老年证要带什么材料"}).encode(),
    "null sender": json.dumps({"sender": None, "message": "老年证"}).encode(),
    "empty sender": json.dumps({"sender": "", "message": "老年证"}).encode(),
    "number sender": json.dumps({"sender": 5, "message": "老年证"}).encode(),
    "list sender": json.dumps({"sender": ["a"], "message": "老年证"}).encode(),
    "sender in another channel's namespace": json.dumps({"sender": "web:abc", "message": "老年证"}).encode(),
    "huge sender": json.dumps({"sender": "x" * 5000, "message": "老年证"}).encode(),
    "100,000 characters": json.dumps({"sender": "big", "message": "老" * 100_000}, ensure_ascii=False).encode(),
    "10 MB": b'{"sender": "big", "message": "' + b"a" * 10_000_000 + b'"}',
}
