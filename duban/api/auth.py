"""Who is calling: a client with its token (`Authorization: Bearer dbk_…`) or, for
reading, a signed-in person's session.

- A token client acts as a 只读 of its office: its service account is given, in
  memory only, that office and role, so the one `visible_to(user)` of every app scopes
  it — no second rule of visibility. It never appears on the 人员 page.
- A session may only read (GET); every write needs a token, so the API needs no CSRF.
- Each client has its own rate: a fixed one-minute window counted in the cache; past
  it the answer is 429 with `Retry-After` (seconds until the window ends).
Missing, wrong and disabled tokens answer 401 with a Chinese message.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from ninja.security import HttpBearer

from duban.api.models import ApiClient, hash_token
from duban.org import roles as R
from duban.org.models import Profile

WINDOW = 60  # seconds
SAFE = {"GET", "HEAD", "OPTIONS"}


class ApiError(Exception):
    """An answer other than 200, with its Chinese message."""

    status = 400

    def __init__(self, message, status=None, errors=None, headers=None):
        super().__init__(message)
        self.message = message
        self.status = status or self.status
        self.errors = errors or []
        self.headers = headers or {}


@dataclass
class Principal:
    user: object
    client: ApiClient | None = None

    @property
    def sees_personal_data(self):
        return self.client is not None and self.client.personal_data


def client_user(client):
    """The client's service account, seeing as a 只读 of its office (in memory)."""
    user = client.user
    user.profile = Profile(office=client.office)
    user._duban_roles = frozenset({R.READONLY})
    return user


def check_rate(client, now=None):
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"duban:api-rate:{client.pk}:{window}"
    cache.add(key, 0, timeout=WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW * 2)
        count = 1
    if count > client.rate_limit:
        retry = max(1, int((window + 1) * WINDOW - now))
        raise ApiError(
            f"请求过于频繁：每分钟最多 {client.rate_limit} 次，请 {retry} 秒后再试",
            status=429,
            headers={"Retry-After": str(retry)},
        )


def unauthorized(message):
    return ApiError(message, status=401, headers={"WWW-Authenticate": 'Bearer realm="duban"'})


def token_client(token):
    token = (token or "").strip()
    if not token:
        raise unauthorized("缺少接口令牌：请在请求头中写 Authorization: Bearer <令牌>")
    client = (
        ApiClient.objects.select_related("user", "office")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if client is None:
        raise unauthorized("接口令牌无效")
    if not client.active:
        raise unauthorized("该接口客户端已停用")
    return client


def authenticate(request, *, token_only=False):
    """The caller as a Principal (a ninja auth callable: it raises ApiError instead of
    answering None, so the caller learns why)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorized("Authorization 请求头应写成 Bearer <令牌>")
        client = token_client(token)
        check_rate(client)
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > WINDOW:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return Principal(client_user(client), client)
    user = getattr(request, "user", None)
    if not token_only and user is not None and user.is_authenticated:
        if request.method not in SAFE:
            raise unauthorized("通过接口写入须使用接口令牌")
        return Principal(user)
    raise unauthorized("缺少接口令牌：请在请求头中写 Authorization: Bearer <令牌>")


class Bearer(HttpBearer):
    """`authenticate` as ninja's bearer scheme, so the OpenAPI schema declares it and the
    docs page offers 'Authorize'."""

    def __init__(self, token_only):
        super().__init__()
        self.token_only = token_only

    def __call__(self, request):
        return authenticate(request, token_only=self.token_only)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        raise NotImplementedError


token_auth = Bearer(token_only=True)
token_or_session = Bearer(token_only=False)
