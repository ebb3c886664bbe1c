"""The demo's 民生诉求: a small category tree, a text bank and the 五单 loop played out.

Every request is received and moved by `duban.tickets.services` (the only writer of a
request's state), each step at a plausible time of the demo months (`now=`), by the
people who would take it: the 网格员 or the office receives, demo_admin dispatches,
reviews and follows up, the units' people claim, return and close. The requests of
the last weeks are left where the loop has got to (待分单, 待领单, 办理中, some overdue).
All choices come from one seeded random generator, so a run is reproducible.
"""

import datetime as dt
import random

from django.utils import timezone

from duban.tickets import services
from duban.tickets.flow import Action, FlowError, Satisfaction, Urgency
from duban.tickets.models import (
    RoutingRule,
    Source,
    TalkDaySession,
    TicketCategory,
)

SEED = 20240501
PER_MONTH = 10  # requests received a month besides the 说事日's
OPEN_DAYS = 24  # the last days of the demo: requests left open on the way
GRID_COMMUNITY = "梅园新村居民区"  # demo_grid's community

# 大类 → {小类: (承办单位, 需审单, [诉求内容], [办理结果])}; "{addr}" is the place.
CATEGORIES = {
    "市容环境": {
        "占道经营": (
            "网格化综合管理中心",
            False,
            [
                "{addr}门口有流动摊贩每天傍晚摆摊卖水果，占了半条人行道，行人只能走机动车道。",
                "{addr}附近早餐店把桌椅摆到人行道上，早高峰时电动车和行人挤在一起，很不安全。",
                "{addr}路口有人摆摊修车，零件和油污弄得满地都是，希望管一管。",
                "{addr}沿街几家小饭店晚上在门口烧烤，占道经营，油烟也很大。",
            ],
            [
                "城管队员现场劝导，摊贩已撤离，已纳入每日巡查点位。",
                "已约谈店主，桌椅全部收回店内，签订门前责任区承诺书。",
            ],
        ),
        "乱堆乱放": (
            "网格化综合管理中心",
            False,
            [
                "{addr}楼道里堆了很多纸板和旧家具，已经堵住消防通道，担心出事。",
                "{addr}绿化带旁边有人倾倒装修垃圾，堆了一个多星期没人清理。",
                "{addr}车棚里停着好几辆废旧自行车，占了位置，居民的车没地方停。",
            ],
            [
                "已通知物业和楼组长清理楼道杂物，现场复查消防通道畅通。",
                "装修垃圾已清运，找到倾倒的装修队并责令其承担清运费用。",
                "张贴认领告示七日后清理废旧自行车 23 辆，车棚已恢复使用。",
            ],
        ),
        "违法搭建": (
            "城建中心",
            True,
            [
                "{addr}一楼住户在院子里搭了一个彩钢板棚子，挡住了楼上的采光。",
                "{addr}顶楼有人在屋顶加盖房间，施工好几天了，怀疑是违章搭建。",
            ],
            [
                "经现场核查属违法搭建，已下发限期拆除通知书，当事人已自行拆除。",
                "已联合城管执法中队立案，责令停工并恢复原状，后续持续跟踪。",
            ],
        ),
    },
    "物业管理": {
        "电梯维修": (
            "社区管理办公室",
            False,
            [
                "{addr}的电梯这个月已经坏了三次，家里有老人上下楼很困难，物业一直说在等配件。",
                "{addr}电梯运行时有异响，还停在两层中间过一次，请尽快安排检修。",
                "{addr}电梯按钮失灵，按了不停，物业报修后一周没人来修。",
            ],
            [
                "督促物业联系维保单位，更换曳引机配件，电梯已恢复运行并通过检测。",
                "维保单位已全面检修，更换门机和按钮面板，物业承诺每周巡检。",
            ],
        ),
        "楼道照明": (
            "社区管理办公室",
            False,
            [
                "{addr}楼道的声控灯坏了好几盏，晚上漆黑一片，老人摔过一次。",
                "{addr}地下车库的灯一半不亮，晚上停车很害怕。",
            ],
            [
                "物业已更换声控灯 6 盏，居委会上门告知居民。",
                "车库照明线路已检修，更换 LED 灯具 18 套。",
            ],
        ),
        "漏水渗水": (
            "社区管理办公室",
            False,
            [
                "{addr}楼上卫生间漏水，我家天花板一直渗水，和楼上协商不成，请社区帮忙协调。",
                "{addr}外墙渗水，下雨天卧室墙面发霉，物业说要业委会同意动用维修资金。",
                "{addr}屋顶防水层老化，顶楼几户家里都漏雨。",
            ],
            [
                "居委会组织上下楼邻居协商，楼上住户已重做防水，渗水停止。",
                "已协调业委会启动维修资金，外墙防水修补完成。",
            ],
        ),
    },
    "公共设施": {
        "路灯损坏": (
            "城建中心",
            False,
            [
                "{addr}门口一排路灯已经一个星期不亮了，晚上走路看不清。",
                "{addr}旁边的路灯杆被车撞歪了，灯罩掉下来一半，有安全隐患。",
                "{addr}的路灯白天也亮着，晚上反而不亮，时控坏了吧。",
            ],
            [
                "已通知路灯养护单位更换灯泡和镇流器，路灯恢复正常。",
                "灯杆已扶正加固并更换灯罩，现场设置警示至修复完毕。",
            ],
        ),
        "道路破损": (
            "城建中心",
            False,
            [
                "{addr}门前人行道的地砖松动翘起，下雨踩上去溅一身水，老人容易绊倒。",
                "{addr}路面有一个大坑，电动车经过很危险，前几天有人摔倒。",
                "{addr}的窨井盖破了一个角，晚上看不见，请尽快更换。",
            ],
            [
                "养护单位已重新铺设破损地砖约 30 平方米。",
                "路面坑洞已沥青修补，窨井盖已更换为防坠落井盖。",
            ],
        ),
        "健身器材": (
            "城建中心",
            False,
            [
                "{addr}小广场的健身器材有一台螺丝松了，晃得厉害，孩子在上面玩很危险。",
                "{addr}的健身步道塑胶面破损起皮，希望修一下。",
            ],
            [
                "已联系器材厂家上门紧固，破损器材暂时围挡，配件到货后已更换。",
                "步道破损处已修补，纳入年度维护计划。",
            ],
        ),
    },
    "噪声扰民": {
        "施工噪声": (
            "社区平安办公室",
            False,
            [
                "{addr}旁边的工地晚上十点以后还在打桩，吵得根本睡不着。",
                "{addr}有户人家装修，周末早上七点就开始电钻，邻居意见很大。",
            ],
            [
                "已联系工地负责人，夜间停止高噪声作业，确需夜间施工的须办理许可并公示。",
                "居委会上门告知装修时间规定，装修户已调整施工时间。",
            ],
        ),
        "商铺噪声": (
            "社区平安办公室",
            False,
            [
                "{addr}楼下的 KTV 半夜还有很大的音乐声，低音震得窗户响。",
                "{addr}沿街商铺用大喇叭循环播放促销广告，一整天都不停。",
            ],
            [
                "联合派出所上门检查，经营者已加装隔音设施并承诺夜间控制音量。",
                "已责令商铺停止使用高音喇叭，网格员持续巡查。",
            ],
        ),
    },
    "环境卫生": {
        "垃圾清运": (
            "网格化综合管理中心",
            False,
            [
                "{addr}的垃圾厢房两天没清运了，天热味道很大，还招苍蝇。",
                "{addr}湿垃圾桶满了溢出来，保洁只收桶不清洗，周边地面很脏。",
                "{addr}大件垃圾堆放点已经堆满，一直没人来拉走。",
            ],
            [
                "已督促环卫公司加密清运频次为每日两次，垃圾厢房已冲洗消杀。",
                "大件垃圾已清运，约定每周二固定清运。",
            ],
        ),
        "绿化养护": (
            "网格化综合管理中心",
            False,
            [
                "{addr}的树长得太高，树枝伸到三楼窗户里，挡光还招虫，希望修剪。",
                "{addr}绿地里的草长得很高，里面有蚊子和老鼠。",
            ],
            [
                "绿化养护单位已修剪树枝 12 株，清理绿地杂草并灭蚊灭鼠。",
                "已完成修剪，纳入季度养护计划。",
            ],
        ),
    },
}

# where a request is; "{n}" is a building number
PLACES = [
    "{c}{n}号楼",
    "{c}{n}号楼2单元",
    "{c}东门",
    "{c}南门菜场旁",
    "{c}{n}号楼后面",
    "{c}小区活动室旁",
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = [
    "桂英",
    "秀兰",
    "建华",
    "志强",
    "玉兰",
    "海燕",
    "国平",
    "美玲",
    "德明",
    "晓东",
    "雪梅",
    "振华",
    "丽君",
    "文斌",
    "金凤",
    "永刚",
    "婷",
    "磊",
    "静",
    "伟",
]
# a wrong unit first, its reason, and the unit that holds the matter
RETURNS = {
    "漏水渗水": (
        "城建中心",
        "该事项属住宅内部渗漏，应由物业和居委会协调处理，不属于城建中心职责。",
    ),
    "路灯损坏": ("网格化综合管理中心", "经现场核实为市政路灯，属城建中心养护范围，请重新分派。"),
    "垃圾清运": ("社区管理办公室", "垃圾清运由环卫公司负责，应由网格化综合管理中心督促处理。"),
    "商铺噪声": (
        "网格化综合管理中心",
        "属经营场所噪声，需派出所联合执法，建议由社区平安办公室牵头。",
    ),
}
FOLLOW_UP_COMMENTS = {
    Satisfaction.SATISFIED: ["处理很及时，谢谢社区。", "问题解决了，很满意。", ""],
    Satisfaction.BASIC: ["解决了，就是时间有点长。", "基本解决，希望以后多巡查。"],
    Satisfaction.UNSATISFIED: [
        "问题还没有彻底解决，过几天又出现了。",
        "只是临时处理，根本问题没解决。",
    ],
}
# ticket handlers of units without a demo login (no password: they only act in the demo)
HANDLERS = [
    ("zheng.zhiyuan", "网格化综合管理中心", "郑", "志远"),
    ("han.xuemei", "社区管理办公室", "韩", "雪梅"),
    ("cao.wenbin", "社区平安办公室", "曹", "文斌"),
]
HANDLER_USERNAMES = [h[0] for h in HANDLERS]


class TicketWriter:
    """Plays the demo's requests through the services, month by month."""

    def __init__(self, writer):
        self.w = writer
        self.office = writer.office
        self.calendar = writer.calendar
        self.rng = random.Random(SEED)
        self.count = 0

    # --- time -------------------------------------------------------------------

    def at(self, day, hour, minute=0):
        return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))

    def later(self, moment, workdays, hour_from=9, hour_to=17):
        """A working moment `workdays` working days after `moment`."""
        day = self.calendar.add_workdays(moment.date(), workdays) if workdays else moment.date()
        when = self.at(day, self.rng.randint(hour_from, hour_to), self.rng.choice((0, 15, 30, 45)))
        return when if when > moment else moment + dt.timedelta(minutes=self.rng.randint(20, 90))

    # --- set-up -----------------------------------------------------------------

    def setup(self, units, users):
        self.units = units
        self.admin = users["demo_admin"]
        self.grid = users["demo_grid"]
        self.staff = {units["城建中心"].pk: [users["demo_head"], users["demo_reporter"]]}
        for username, unit_name, _last, _first in HANDLERS:
            self.staff[units[unit_name].pk] = [users[username]]
        self.communities = [u for u in units.values() if u.kind == "community"]
        self.leaves = []
        for order, (name, children) in enumerate(CATEGORIES.items(), start=1):
            parent, _ = TicketCategory.objects.get_or_create(
                parent=None, name=name, defaults={"order": order}
            )
            for sub, (leaf, (unit, review, contents, results)) in enumerate(
                children.items(), start=1
            ):
                category, _ = TicketCategory.objects.get_or_create(
                    parent=parent, name=leaf, defaults={"order": sub, "needs_review": review}
                )
                self.leaves.append((category, units[unit], contents, results))
        by_name = {c.name: c for c, *_ in self.leaves}
        # 路灯损坏 goes straight to 城建中心; 物业管理 is proposed to 社区管理办公室
        RoutingRule.objects.get_or_create(
            office=self.office,
            category=by_name["路灯损坏"],
            community=None,
            defaults={"unit": units["城建中心"], "auto_dispatch": True, "updated_by": self.admin},
        )
        self.proposed, _ = RoutingRule.objects.get_or_create(
            office=self.office,
            category=by_name["电梯维修"].parent,
            community=None,
            defaults={"unit": units["社区管理办公室"], "updated_by": self.admin},
        )

    # --- one request ------------------------------------------------------------

    def reporter(self):
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        phone = self.rng.choice(("138", "139", "135", "186", "177", "159")) + "".join(
            str(self.rng.randint(0, 9)) for _ in range(8)
        )
        return name, phone

    def fields(self, community=None):
        category, unit, contents, results = self.rng.choice(self.leaves)
        community = community or self.rng.choice(self.communities)
        short = community.name.removesuffix("居民区")
        address = self.rng.choice(PLACES).format(c=short, n=self.rng.randint(1, 36))
        name, phone = self.reporter()
        urgency = Urgency.NORMAL
        if self.rng.random() < 0.08:
            urgency = Urgency.URGENT
        return {
            "category": category,
            "community": community,
            "address": address,
            "content": self.rng.choice(contents).format(addr=address),
            "reporter_name": name,
            "reporter_phone": phone,
            "urgency": urgency.value,
        }, (unit, results)

    def step(self, user, ticket, action, when, **kw):
        services.apply(user, ticket, action, now=when, calendar=self.calendar, **kw)
        return when

    def unit_person(self, unit):
        return self.rng.choice(self.staff[unit.pk])

    def play(self, ticket, unit, results, received, cutoff, open_):
        """The loop after 收单, up to `cutoff`; `open_` stops it on the way."""
        rng = self.rng
        stop = None
        if open_:
            stop = rng.choice(
                ("received", "dispatched", "dispatched", "in_progress", "in_progress", "closed")
            )
            if stop == "received" and ticket.state != "received":
                stop = "dispatched"
        when = received
        if ticket.state == "received":
            if stop == "received":
                return
            when = self.later(when, rng.choice((0, 0, 1)))
            if when > cutoff:
                return
            wrong = RETURNS.get(ticket.category.name)
            # the last weeks' requests (open_) are often the ones still sorting out their unit
            if wrong and rng.random() < (0.8 if open_ else 0.35):
                first = self.units[wrong[0]]
                self.step(self.admin, ticket, Action.DISPATCH, when, unit=first)
                when = self.later(when, 1)
                if when > cutoff:
                    return
                self.step(self.unit_person(first), ticket, Action.RETURN, when, reason=wrong[1])
                if open_:
                    return  # one of the last weeks' requests: waits 已退单 at the office
                when = self.later(when, 0 if when.hour < 15 else 1)
                if when > cutoff:
                    return
            if ticket.category.parent_id == self.proposed.category_id:
                services.accept_proposal(self.admin, ticket, now=when, calendar=self.calendar)
            else:
                self.step(self.admin, ticket, Action.DISPATCH, when, unit=unit)
            if ticket.state == "reviewing":
                when = self.later(when, 1)
                if when > cutoff:
                    return
                self.step(self.admin, ticket, Action.APPROVE, when)
        if stop == "dispatched":
            return
        unit = ticket.unit
        when = self.later(when, rng.choice((0, 0, 1)))
        if when > cutoff:
            return
        self.step(self.unit_person(unit), ticket, Action.CLAIM, when)
        claimed = when
        if stop == "in_progress":
            return
        # most within the deadline, a few late
        days = rng.choice((1, 2, 2, 3, 3, 4, 5, 5, 6)) if rng.random() < 0.9 else rng.randint(8, 11)
        if ticket.urgency == Urgency.URGENT.value:
            days = rng.choice((0, 0, 1))
        when = min(self.later(when, days), ticket.deadline + dt.timedelta(days=4))
        if when <= claimed:
            when = claimed + dt.timedelta(hours=3)
        if when > cutoff:
            return
        self.step(self.unit_person(unit), ticket, Action.CLOSE, when, reason=rng.choice(results))
        if stop == "closed":
            return
        self.follow_up(ticket, when, cutoff, unit, results)

    def rating(self):
        roll = self.rng.random()
        if roll < 0.72:
            return Satisfaction.SATISFIED
        if roll < 0.93:
            return Satisfaction.BASIC
        return Satisfaction.UNSATISFIED

    def follow_up(self, ticket, when, cutoff, unit, results, again=False):
        rng = self.rng
        if rng.random() < 0.1 and not again:
            return  # not yet called back
        when = self.later(when, rng.choice((1, 1, 2)))
        if when > cutoff:
            return
        if rng.random() < 0.04:  # no answer: a follow-up without a rating
            self.step(
                self.admin, ticket, Action.FOLLOW_UP, when, contacted=False, reason="电话无人接听"
            )
            return
        rating = self.rating()
        self.step(
            self.admin,
            ticket,
            Action.FOLLOW_UP,
            when,
            contacted=True,
            resolved=rating != Satisfaction.UNSATISFIED,
            satisfaction=rating.value,
            reason=rng.choice(FOLLOW_UP_COMMENTS[rating]),
        )
        if rating == Satisfaction.UNSATISFIED and not again and rng.random() < 0.6:
            when = self.later(when, 0 if when.hour < 15 else 1)
            if when > cutoff:
                return
            self.step(self.admin, ticket, Action.REOPEN, when, reason="群众反映问题反复，重新办理")
            when = self.later(when, rng.randint(2, 4))
            if when > cutoff:
                return
            self.step(
                self.unit_person(unit), ticket, Action.CLOSE, when, reason=rng.choice(results)
            )
            self.follow_up(ticket, when, cutoff, unit, results, again=True)
            return
        archive = self.later(when, 5)
        if archive <= cutoff - dt.timedelta(days=30):
            self.step(self.admin, ticket, Action.ARCHIVE, archive)

    # --- the months -------------------------------------------------------------

    def receive(self, user, received, source, fields, session=None):
        ticket = services.receive(
            user,
            office=self.office,
            now=received,
            source=source,
            session=session,
            **fields,
        )
        self.count += 1
        return ticket

    def write(self, units, users, year, last_month, cutoff):
        self.setup(units, users)
        rng = self.rng
        open_from = cutoff - dt.timedelta(days=OPEN_DAYS)
        grid_community = units[GRID_COMMUNITY]
        made = []
        for month in range(1, last_month + 1):
            first = dt.date(year, month, 1)
            days = [
                first + dt.timedelta(days=n)
                for n in range(31)
                if (first + dt.timedelta(days=n)).month == month
            ]
            requests = []
            # 说事日: the 5th, 15th and 25th, a sitting in one community each, 2–3 requests
            for talk_day in (5, 15, 25):
                community = rng.choice(self.communities)
                requests.append(("talk", dt.date(year, month, talk_day), community))
            for _ in range(PER_MONTH):
                roll = rng.random()
                day = rng.choice(days)
                if roll < 0.45:
                    source = Source.GRID
                elif roll < 0.8:
                    source = Source.HOTLINE
                else:
                    source = Source.VISIT
                requests.append((source, day, None))
            requests.sort(key=lambda r: r[1])
            for source, day, community in requests:
                if source == "talk":
                    received = self.at(day, 9, 30)
                    if received >= cutoff:
                        continue
                    session = TalkDaySession.objects.create(
                        office=self.office,
                        community=community,
                        held_on=day,
                        place=f"{community.name.removesuffix('居民区')}睦邻点",
                        created_by=self.admin,
                    )
                    for n in range(rng.choice((1, 2, 2))):
                        fields, plan = self.fields(community)
                        at = received + dt.timedelta(minutes=20 * n)
                        ticket = self.receive(self.admin, at, Source.TALK_DAY, fields, session)
                        made.append((ticket, plan, at))
                    continue
                if source != Source.HOTLINE and not self.calendar.is_workday(day):
                    day = self.calendar.add_workdays(day, 1)
                received = self.at(day, rng.randint(8, 17), rng.randint(0, 59))
                if received >= cutoff:
                    continue
                user, community = self.admin, None
                if source == Source.GRID and rng.random() < 0.5:
                    user, community = self.grid, grid_community
                fields, plan = self.fields(community)
                ticket = self.receive(user, received, source, fields)
                made.append((ticket, plan, received))
        for ticket, (unit, results), received in made:
            self.play(ticket, unit, results, received, cutoff, open_=received >= open_from)
        self.extension(cutoff)
        self.duplicate(cutoff, made)
        return self.count

    def extension(self, cutoff):
        """One request handled longer than its deadline allows: asked and approved."""
        from duban.tickets.models import Ticket

        ticket = (
            Ticket.objects.filter(office=self.office, state="in_progress", deadline__isnull=False)
            .order_by("received_at")
            .first()
        )
        if ticket is None:
            return
        asked = min(ticket.dispatched_at + dt.timedelta(days=2), cutoff)
        extension = services.request_extension(
            self.unit_person(ticket.unit),
            ticket,
            5,
            "需协调产权单位和物业共同出资，等待业委会表决，申请延期5个工作日。",
            now=asked,
            calendar=self.calendar,
        )
        services.decide_extension(
            self.admin,
            extension,
            True,
            "同意，请在延期内办结并及时反馈居民。",
            now=min(asked + dt.timedelta(hours=3), cutoff),
            calendar=self.calendar,
        )

    def duplicate(self, cutoff, made):
        """The same resident calls 12345 again about a request still open: proposed as
        同人同事 for the office to confirm (not merged)."""
        open_ = [
            t for t, _plan, _at in made if t.state in ("received", "dispatched", "in_progress")
        ]
        if not open_:
            return
        first = open_[-1]
        received = max(first.received_at + dt.timedelta(days=1), cutoff - dt.timedelta(hours=5))
        if received >= cutoff:
            received = first.received_at + dt.timedelta(hours=2)
        try:
            self.receive(
                self.admin,
                received,
                Source.HOTLINE,
                {
                    "category": first.category,
                    "community": first.community,
                    "address": first.address,
                    "content": first.content.rstrip("。") + "，之前反映过还没处理好。",
                    "reporter_name": first.reporter_name,
                    "reporter_phone": first.reporter_phone,
                    "urgency": first.urgency,
                },
            )
        except FlowError:
            return
