"""The API's request and answer shapes (pydantic, through django-ninja), which the
OpenAPI schema documents. A request's fields are the import's contract (issue 11),
named in English; their values are the words of the import (来源 12345热线, 状态 办理中,
满意度 基本满意), so an order pushed and an order imported are the same order."""

import datetime as dt

from ninja import Field, Schema
from pydantic import ConfigDict

TEXT_DATE = (
    "写成 2023-01-05 09:30、2023/1/5 9:30（北京时间），"
    "或带时区的 ISO 8601 时间，如 2023-01-05T09:30:00+08:00"
)


class TicketIn(Schema):
    """推送一张工单：按（来源，工单编号）新增或更新，重复推送不会产生第二张工单。"""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(..., description="工单编号（热线平台的编号）", max_length=50)
    source: str = Field(
        "12345热线", description="来源：12345热线、网格采集、说事日、信访、来电来访、其他"
    )
    received_at: str = Field(..., description="受理时间。" + TEXT_DATE)
    category: str | None = Field(None, description="诉求类别，如“市容环境/占道经营”")
    content: str = Field(..., description="诉求内容")
    community: str | None = Field(None, description="社区（系统中已有的社区名称）")
    reporter_name: str | None = Field(None, description="诉求人", max_length=50)
    reporter_phone: str | None = Field(None, description="联系电话", max_length=30)
    unit: str | None = Field(None, description="承办单位（系统中已有的单位名称）")
    state: str = Field("待分派", description="状态：待分派、办理中、已办结、已退单")
    closed_at: str | None = Field(None, description="办结时间（状态为已办结时）")
    contacted: bool | None = Field(None, description="回访：是否联系")
    resolved: bool | None = Field(None, description="回访：是否解决")
    satisfaction: str | None = Field(None, description="回访：满意、基本满意、不满意")


class TicketPatch(Schema):
    """按工单编号修改一张已推送的工单：只写要改的字段（如回访结果）。"""

    model_config = ConfigDict(extra="forbid")

    received_at: str | None = None
    category: str | None = None
    content: str | None = None
    community: str | None = None
    reporter_name: str | None = Field(None, max_length=50)
    reporter_phone: str | None = Field(None, max_length=30)
    unit: str | None = None
    state: str | None = Field(None, description="待分派、办理中、已办结、已退单；不写则不变")
    closed_at: str | None = None
    contacted: bool | None = None
    resolved: bool | None = None
    satisfaction: str | None = None


class TicketOut(Schema):
    number: str
    source: str
    source_label: str
    received_at: dt.datetime
    category: str | None
    content: str
    community: str | None
    grid: str
    address: str
    reporter_name: str = Field(description="诉求人；无权查看时打码，如“张*”")
    reporter_phone: str = Field(description="联系电话；无权查看时打码，如“138****5678”")
    personal_data_masked: bool
    urgency: str
    state: str
    state_label: str
    unit: str | None
    deadline: dt.datetime | None
    overdue: bool
    closed_at: dt.datetime | None
    result: str
    followed_up: bool
    contacted: bool | None
    resolved: bool | None
    satisfaction: str
    url: str


class TicketWriteOut(Schema):
    outcome: str = Field(description="created（新增）、updated（更新）或 unchanged（未变）")
    changed: list[str] = Field(description="更新了哪些字段")
    ticket: TicketOut


class TicketPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[TicketOut]


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class LedgerTask(Schema):
    id: int
    code: str
    year: int
    kind: str
    office: str
    category: str | None
    title: str
    goal: str
    target: str
    lead_unit: str
    partner_units: list[str]
    leader: str
    deadline: dt.date | None
    milestones: int
    extra: dict[str, str | int | float | None] = Field(
        description="进展等各模块加在台账上的列（如本月状态、预警），与台账导出相同"
    )
    url: str


class LedgerPage(Schema):
    year: int
    count: int
    page: int
    pages: int
    page_size: int
    results: list[LedgerTask]
