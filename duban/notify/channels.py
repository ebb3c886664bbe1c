"""How a reminder leaves the system: e-mail, and the group robot (群机器人) of a
钉钉 or 企业微信 group. In-app notifications are rows and need no channel code.

Both robots accept the same text message, `{"msgtype": "text", "text": {"content": ...}}`,
and both answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`; a refused message
(wrong keyword, rate limit, bad token) is a 200 with another errcode, so the answer is
read, not just the status. Every failure becomes a `ChannelError` whose text is what
the reminder log keeps: one unit's failed send must not stop the others.
"""

import http.client
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

WEBHOOK_TIMEOUT = 10  # seconds
# 企业微信 cuts a text message at 2048 bytes of UTF-8; 钉钉 takes 20000.
WEBHOOK_MAX_BYTES = {"dingtalk": 18000, "wecom": 2048}
ELLIPSIS = "……（内容过长，详见督办系统）"


class ChannelError(Exception):
    pass


def send_email(address, subject, body):
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    except Exception as error:  # noqa: BLE001 - smtplib, socket and SSL share no narrower base
        raise ChannelError(f"邮件发送失败：{type(error).__name__}: {error}")


def truncate_utf8(text, limit):
    """`text` cut to at most `limit` bytes of UTF-8, with a note that it was cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + ELLIPSIS


def webhook_payload(content, kind="dingtalk"):
    limit = WEBHOOK_MAX_BYTES.get(kind, WEBHOOK_MAX_BYTES["wecom"])
    return {"msgtype": "text", "text": {"content": truncate_utf8(content, limit)}}


def post_webhook(url, content, kind="dingtalk"):
    """POST one text message to a group robot; raise ChannelError unless it was accepted."""
    data = json.dumps(webhook_payload(content, kind), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            answer = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        raise ChannelError(f"群机器人返回 HTTP {error.code} {error.reason}")
    except urllib.error.URLError as error:
        raise ChannelError(f"无法连接群机器人：{error.reason}")
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise ChannelError(f"无法连接群机器人：{type(error).__name__}: {error}")
    try:
        reply = json.loads(answer)
    except ValueError:
        return  # a relay that answers 2xx without JSON accepted the message
    if isinstance(reply, dict) and reply.get("errcode", 0) != 0:
        raise ChannelError(
            f"群机器人拒收：errcode={reply.get('errcode')} {reply.get('errmsg', '')}".strip()
        )
