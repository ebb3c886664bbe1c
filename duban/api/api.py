"""The JSON API (django-ninja; why: docs/api.md), its OpenAPI schema at
/api/v1/openapi.json and its interactive docs at /api/v1/docs, served from ninja's own
static files (no CDN: offices run on closed intranets).

Every answer other than 2xx is `{"detail": "<中文>", "errors": [{"field", "message"}]}`:
malformed JSON, a wrong type, a missing field or an unknown name is a 4xx naming the
field, never a 500.
"""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from duban.api import ledger, tickets
from duban.api.auth import ApiError

api = NinjaAPI(
    title="督办数据接口",
    version="1",
    description=(
        "热线平台推送、更新民生诉求工单；读取台账与驾驶舱数据。"
        "写入须带接口令牌（Authorization: Bearer <令牌>，由管理员在“设置 › 接口客户端”创建）；"
        "读取也可使用已登录的会话。出错时返回中文说明和出错字段。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", tickets.router)
api.add_router("", ledger.router)

TYPE_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "string_too_long": "太长",
    "extra_forbidden": "不是可接受的字段",
    "model_attributes_type": "请求体应为 JSON 对象",
    "model_type": "请求体应为 JSON 对象",
    "dict_type": "请求体应为 JSON 对象",
    "json_invalid": "不是合法的 JSON",
}
LABELS = {
    "number": "工单编号",
    "source": "来源",
    "received_at": "受理时间",
    "category": "诉求类别",
    "content": "诉求内容",
    "community": "社区",
    "reporter_name": "诉求人",
    "reporter_phone": "联系电话",
    "unit": "承办单位",
    "state": "状态",
    "closed_at": "办结时间",
    "contacted": "是否联系",
    "resolved": "是否解决",
    "satisfaction": "满意度",
    "page": "页码",
    "page_size": "每页条数",
}


def _error(request, message, status, errors=(), headers=None):
    response = api.create_response(
        request, {"detail": message, "errors": list(errors)}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return _error(request, exc.message, exc.status, exc.errors, exc.headers)


def _field(loc):
    # ("body", "payload", "received_at") → "received_at"; ("query", "page") → "page"
    names = [str(part) for part in loc if part not in ("body", "query", "path", "payload")]
    names = [n for n in names if n != "filters"]
    return ".".join(names)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    errors = []
    for error in exc.errors:
        field = _field(error.get("loc", ()))
        kind = error.get("type", "")
        message = TYPE_MESSAGES.get(kind, "格式不正确")
        if kind == "string_too_long":
            message = f"超过 {error.get('ctx', {}).get('max_length')} 个字"
        errors.append({"field": field, "message": message})
    detail = "；".join(
        f"【{LABELS.get(e['field'], e['field'] or '请求体')}】{e['message']}" for e in errors
    )
    return _error(request, f"请求有误：{detail}", 400, errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, "缺少或无效的接口令牌", 401, headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "请求体不是合法的 JSON（须为 UTF-8 编码的 JSON 对象）"
        return _error(request, message, 400, [{"field": "", "message": message}])
    return _error(request, message, exc.status_code)
