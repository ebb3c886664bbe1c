"""Labelled plans for 计划 → 台账. Each commitment is named by a piece of its source
sentence; a candidate is right when its 来源原文 holds one not yet matched.

REFERENCE_PLANS: the two plans of /work/shared/reference (read at test time, not copied).
OWN_PLANS: plan paragraphs written for these tests, with deadlines and lead units."""

REFERENCE_PLANS = {
    "5-annual-summary-and-plan-hotline-stats.txt": [
        "城发绿园、金汇佳苑",
        "预计对9个小区施工改造",
    ],
    "3-annual-summary-problems-and-key-work.txt": [
        "推进剩余4个村整村结算",
        "完成C04、A51安置房做地出让",
        "推进11个村安置房",
        "加快日间照料中心、老年食堂",
        "做好黄屿板块土地出让",
    ],
}

OWN_PLAN = """2025年工作计划
（一）补齐民生短板
一是完成东苑、西苑两个小区雨污分流改造，涉及3.6万平方米、1280户，6月底前全面完工。二是新建社区老年助餐点3个，年内投入运营。三是持续优化为老服务，营造敬老爱老的良好氛围。
（二）提升城市品质
一是由城建中心牵头，推进滨河路道路整修工程，2025年9月30日前竣工。二是加装电梯20台，上半年完成签约12台。三是深化垃圾分类宣传，推动居民养成分类习惯。
（三）加强基层治理
坚持党建引领，不断完善共建共治共享的社会治理格局。开展“平安社区”创建，第三季度完成8个社区的创建验收。健全网格化服务管理机制，提高群众满意度。
"""

OWN_COMMITMENTS = [
    "雨污分流改造",
    "新建社区老年助餐点3个",
    "滨河路道路整修工程",
    "加装电梯20台",
    "第三季度完成8个社区",
]
