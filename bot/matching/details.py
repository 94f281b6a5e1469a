"""Specific details a question can ask for: phone, hours, address, price, requirements, dates,
population, a person's name, how to sign up or book, the contents of a list, a document to send,
whether something still holds today (the reports are dated).

The sources are news reports: they name services but rarely give a phone number, opening hours,
an address, a fee or the documents to bring. A question such as "暖新驿站几点开门" shares nearly
all its words with the 暖新驿站 entry, yet that entry does not answer it. So when a question asks
for a detail, an entry may answer only if its own questions ask for that detail too and its
answer does not say the reports leave it out ("报道没有提供……开放时间"). Otherwise the question
goes to staff, which is what such an answer would suggest anyway.

Each detail is one `Detail` in `DETAILS`: how a question asks for it, what an answer that gives
it contains, and the words an answer uses when it says the reports leave it out. Counts ("几个医生")
are read in `bot.matching.counts`; what one entry covers is `bot.matching.entry_details`.

Patterns run on normalised text (Simplified, lower case, lexicon applied: 手机号 → 电话, 营业时间 →
开放时间, 好多钱 → 多少钱). Normalising drops a final 吗, so a yes/no question ("周六上班吗") is
read by how its clause ends (`asked_yes_no`), the matcher telling which clauses asked yes or no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.matching.counts import asked_counts


@dataclass(frozen=True)
class Detail:
    """One detail a question can ask for. Every pattern is optional; a detail with no `given`
    is one no answer shows in words (a name, a procedure, what comes next): the entry's own
    questions decide whether it answers it."""

    words: tuple[str, ...] = ()  # Chinese words of a question asking for it
    pattern: str = ""  # … and a Chinese pattern for what a word list cannot say
    english: str = ""  # an English question asking for it
    yes_no: str = ""  # how a yes/no clause asking for it ends, once normalising took its 吗
    given: str = ""  # what an answer that gives it contains
    named: str = ""  # the words an answer uses when it says the reports leave it out


# An open time: "日程", "时间", but not the opening hours ("开放时间" is the hours detail).
_DAY_OR_TIME = r"日程|日期|(?<!开放)(?<!营业)(?<!办理)(?<!服务)时间"

DETAILS: dict[str, Detail] = {
    "contact": Detail(
        words=(
            *("电话", "热线", "微信号", "加微信", "邮箱", "网址", "网站", "官网", "联系人"),
            *("抖音号", "公众号", "微博", "交给谁", "交给哪个", "交给哪位", "交到哪", "群号"),
            *("怎么联系", "如何联系", "咋个联系", "咋联系", "联系方式"),
        ),
        english=r"\b(?:phone|wechat|email|website|contact (?:number|details))\b",
        given=r"电话|联系方式",
        named=r"联系方式|电话|求助渠道|预约方式|联系",
    ),
    "hours": Detail(
        words=(
            *("几点", "开放时间", "开门", "关门", "下班", "上班吗", "上不上班", "周几"),
            # a schedule ("每个月几号开会") is a time of its own, not a date an entry once gave
            *("星期几", "礼拜几", "过夜", "通宵", "每月几号", "每个月几号"),
        ),
        english=(
            # closing time, not "close by" or "close to" (near)
            r"\b(?:hours|opening time|what time|close(?!\s+(?:by|to)\b)"
            r"|when (?:is|are) (?:it|they|[\w ]{1,30}) open)\b"
        ),
        # "周六上班吗", and a day off in a question of yes or no ("场地周末可以借吗"; not
        # "豆花饭周日多少钱嘛")
        yes_no=(
            r"(?:上班|开门|营业|关门|休息)$"
            r"|^(?!.*(?:多少|几|什么|啥|哪)).*(?:周末|周[6日天]|星期[6天日]|礼拜[6天日]|节假日)\w{0,8}$"
        ),
        given=r"\d点|开放时间|营业时间",
        named=r"开放时间|营业时间|办理时间|时间",
    ),
    "address": Detail(
        words=(
            *("地址", "哪条街", "门牌", "哪几条街", "哪条路", "哪几条路", "具体在哪"),
            *("哪几个地方", "哪几个点", "哪些小区", "哪个小区", "房源在哪", "几楼", "哪层", "几层"),
            *("在哪上课", "哪里上课", "去哪上课", "哪个社区上课"),
        ),
        # in which places ("在哪几个街道"), not in which respects ("在哪几方面发力")
        pattern=(
            r"在哪几(?!方面|个方面|项|条|点|种|类|件|样)"
            # a door number ("在几号"); not a day ("是几号开的", "3月几号")
            r"|(?<![月是])几号(?![开召举办发])"
            r"|离[^ ]{1,10}?最近|最近的(?:是)?哪"  # the nearest one: its address
        ),
        english=r"\baddress\b",
        given=r"地址|位于|\d号",
        named=r"地址|地点|位置",
    ),
    # which building: an answer naming the building gives it, without a door number
    "building": Detail(
        pattern=r"哪(?:1|一)?[栋座幢个](?:楼|大厦|大楼)|哪栋|哪幢|哪座楼",
        given=r"[\u4e00-\u9fff]{2}(?:大厦|大楼|广场|金融中心)",
    ),
    # which subdistrict: an answer naming one gives it ("在上清寺街道")
    "subdistrict": Detail(
        pattern=r"(?:哪|什么)(?:1|一)?个?(?:街道|镇街)",
        given=r"[\u4e00-\u9fff]{2}街道",
    ),
    # where, roughly: a building, a subdistrict or a 位于 in the answer gives it
    "where": Detail(
        words=("位置", "哪个地方", "地点在哪", "哪个场馆", "哪个会场", "哪个场地"),
        # where to redeem or collect ("在哪领礼品", "在哪个咖啡店领"); not which leader (哪领导)
        pattern=(
            r"(?:在|去|到)?哪(?:里|儿)?(?:兑换?|领(?!导)取?)"
            # … at a place, not on a platform ("在哪个平台上领": the platform's name)
            r"|(?:在|去|到)哪(?:1|一)?[个家](?!平台|网站|小程序|系统|软件|app)"
            r"[\u4e00-\u9fff]{1,3}?(?:兑换?|领(?!导)取?)"
        ),
        given=r"地址|位于|\d号|[\u4e00-\u9fff]{2}(?:大厦|大楼|广场|金融中心|街道|社区)",
        named=r"地点|位置",
    ),
    "price": Detail(
        words=(
            *("多少钱", "收费", "收不收", "要钱", "交钱", "费用", "租金", "价格"),
            *("价钱", "利率", "几折", "能拿多少", "能领多少", "补贴多少", "1年多少", "1个月多少"),
            *("每月多少", "每年多少", "1顿多少", "1次多少", "补多少", "奖多少", "押金", "房租"),
            *("交租", "多少补贴", "补贴标准", "奖励多少", "多少奖励", "免费吗", "配送费"),
            *("服务费", "交费", "缴费", "会费", "怎么收费", "收多少", "付钱", "付费", "能换多少"),
        ),
        pattern=(
            r"免费\w{0,2}[吗不]"  # "免费喝吗"
            r"|多少分(?!钟)"  # points or cents, not minutes
            # "给多少钱", "能给多少": an amount; not "给多少家企业" (a count)
            r"|给多少(?![个家名位人户条项次场栋座支批所间张])"
        ),
        english=r"\b(?:fees?|cost|price|rent|interest rate|how much (?:is|are|money))\b",
        yes_no=r"(?:免费\w{0,2}|收费|收钱|要钱|交钱|花钱|交费|缴费|付钱|付费)$",
        given=r"\d[\d.]*\s*(?:元|万|亿)|免费|收费|价格",
        named=r"收费|金额|价格|标准|多少|租金|费用",
    ),
    "pay": Detail(
        words=("待遇", "工资", "薪资"),
        english=r"\bsalary\b",
        given=r"待遇|工资|薪",
        named=r"待遇|标准",
    ),
    "area": Detail(
        words=("多大面积", "面积多少", "面积有多大", "多少平方", "多少平米", "多少个平方"),
        english=(
            r"\b(?:square met\w+|sq\.? ?m|how (?:large|big) (?:is|are) (?:the|its|their) "
            r"(?:area|space|site|floor|office|building|park|hall|station|centre|center)s?)\b"
        ),
        given=r"\d\s*[万千]?\s*(?:平方米|平方公里|㎡|平米)",  # "2.8万平方米"
        named=r"面积",
    ),
    # a share ("占全区税收百分之几"): an answer giving a percentage gives it
    "share": Detail(
        words=(
            *("百分之几", "百分之多少", "占比多少", "占比是多少", "比例是多少", "占多少比例"),
            "百分比",
        ),
        pattern=r"占[^ ]{0,6}?(?:几成|多少%)",
        english=r"\b(?:what (?:share|percentage|proportion)|how much of (?:the|its) total)\b",
        given=r"\d\s*[%％]|百分之",
        named=r"占比|比例|百分比",
    ),
    "population": Detail(
        words=("人口多少", "多少人口", "人口有多少", "人口数"),
        # "渝中区有好多人" asks for the population, "楼小二有好多人" does not: it follows a place
        pattern=(
            r"(?:区|渝中|街道|社区|半岛)(?:1共|总共|到底|大概|大约)?(?:有|住了?|住着)?多少个?人(?![才员次])"
            r"|多少人住|住了?多少人|住着多少人|常住人口"
        ),
        english=r"\b(?:population|how many (?:people|residents) live)\b",
        given=r"人口[^。；\n]{0,6}?\d",  # a figure, not "人口密度高"
        named=r"人口",
    ),
    # how to sign up for or join something the reports only describe
    "signup": Detail(
        words=(
            *("怎么报名", "如何报名", "报名方式", "哪里报名", "哪儿报名", "在哪报名", "去哪报名"),
            *("报名入口", "怎么加入", "如何加入", "哪里加入", "去哪加入", "时候报名", "怎么申报"),
            *("如何申报", "怎么申请入", "申请入园", "申请入驻", "怎么进群", "如何进群"),
        ),
        pattern=r"怎么(?:进|加)(?:群|去)?(?: |$)",  # "骑手互助群 怎么进"
        # not the family doctor service called "sign-up" (家庭医生签约)
        english=r"(?<!doctor )\b(?:sign up|signup|enrol+|how (?:do|can) (?:i|we) join)\b",
        given=r"报名",
        named=r"报名|加入",
    ),
    # how to apply for or get something, or how someone is chosen: the reports rarely give the
    # procedure
    "apply": Detail(
        words=(
            *("怎么申请", "如何申请", "怎样申请", "咋申请", "申请流程", "办理流程", "怎么办理"),
            *("如何办理", "怎样办理", "咋办理", "怎么办卡", "怎么成为", "如何成为"),
            *("怎么注册", "如何注册", "咋注册", "注册流程", "才能成为", "怎样才能", "怎么样才能"),
            *("怎么领取", "如何领取", "怎么领"),
            *("怎么选拔", "如何选拔", "怎么选的", "怎么选出", "怎么评选", "如何评选"),
        ),
        # getting a card ("怎么办社员卡", "办卡要交钱不"), moving one's Party membership
        pattern=(
            r"[怎咋]么?个?办\w{0,3}卡|办卡|卡(?:要)?(?:怎么|咋个?)办"
            r"|转\w{0,2}组织关系|组织关系\w{0,3}转"
            r"|(?:在|去|到)?哪(?:里|儿|个平台|个网站)?注册"  # "在哪个平台注册"
        ),
        named=(
            r"[怎如]样申请|如何申请|怎么申请|申请(?:方式|流程|办法|渠道|途径)|办理(?:流程|方式|办法)"
            r"|[怎如]样注册|如何注册|怎么注册|注册(?:方式|流程)"
            r"|[怎如]样办理|如何办理|[怎如]样成为|如何成为|领取方式|接转|转接"
        ),
    ),
    "requirements": Detail(
        words=(
            *("什么条件", "哪些条件", "条件是什么", "申请条件", "入驻条件"),
            *("什么材料", "哪些材料", "带什么", "什么手续", "哪些手续", "填什么", "填些什么"),
            *("填哪些", "申请材料", "什么证件", "哪些证件"),
        ),
        english=(
            r"\b(?:requirements?|eligib\w*|(?:what|which) (?:documents?|papers|materials)"
            r"|documents? (?:do|should|must) (?:i|we) (?:need|bring|prepare))\b"
        ),
        # whether one still may ("我今年38了 还能申请人才公寓优惠不")
        pattern=r"(?:还|也)(?:能|可以)\w{0,8}申请",
        # "本科生能申请吗": who may apply is a condition the reports rarely give
        yes_no=r"(?:生|人|者|员|户|企业|公司|的)(?:也)?(?:能|可以|可不可以|能不能)申请$",
        given=r"条件|材料",
        named=r"条件|材料|手续",
    ),
    # what points or credits buy ("积分能换什么"): an answer saying what they are exchanged for
    "exchange": Detail(
        words=("能换什么", "能换啥", "换什么", "可以换", "兑换什么", "能兑换"),
        english=r"\b(?:exchange|redeem)\w*\b",
        given=r"兑换",
        named=r"兑换(?:内容|物品|清单|范围)|换什么",  # not "兑换时间和地点"
    ),
    "booking": Detail(words=("预约",), given=r"预约", named=r"预约"),
    # the contents of a list or catalogue the reports only name: the questions decide
    "list": Detail(
        words=(
            *("名单", "哪些岗位", "什么岗位", "岗位有哪些", "完整目录", "目录内容", "具体目录"),
            *(
                "哪几条",
                "具体内容",
                "完整清单",
                "全部清单",
                "全部列出",
                "列出来",
                "每1条",
                "有清单",
            ),
        ),
        pattern=(
            r"哪\d+条"  # "黄金12条具体是哪12条"
            r"|第\d+[条项点]"  # one item by its number ("第五条具体是啥内容")
            r"|有[^ ]{0,4}清单"  # "有没有兑换清单"
            r"|什么具体|哪些具体|给个清单|列个清单|清单给我"
            # whether one thing is on a list ("考古在不在目录里", "名单里有没有我们公司")
            r"|在不在\w{0,4}(?:目录|名单|清单)"
            r"|(?:目录|名单|清单)(?:里|上|中)(?:头|面)?\w{0,3}(?:有没有|有没|在不在|有)"
        ),
        english=r"\b(?:full list|which (?:jobs|positions)|list of (?:jobs|positions))\b",
        named=r"名单|岗位|目录|清单|具体内容",
    ),
    # which ones, by name ("是哪几家", "分别叫啥"): an answer listing them gives it, and the count
    # they also ask ("引进了几家…是哪几家") comes with the names
    "which": Detail(
        pattern=(
            r"分别(?:是|叫)|是哪几[家个所项座栋]|有哪几[家个所项座栋]"  # 哪几位: "name"
            r"|哪(?:[2-9]|\d{2,})[个项类种家所]"  # "是哪4个", "具体是哪15项"
        ),
        given=r"[\u4e00-\u9fff]{2,}[、，][\u4e00-\u9fff“”]{2,}",  # an enumeration
        named=r"哪些单位|哪几家|具体名称|名称",
    ),
    # the same thing somewhere else, after a model ("有没有像袁来一家那样的通办", "也有…那种"):
    # the reports describe the model, not whether it is copied elsewhere; the questions decide
    "likewise": Detail(
        pattern=(
            # (a simile is not a model: "像送快递1样送理论的品牌")
            r"(?<!好)像(?!送|跑|做|干)[^ ]{1,12}?(?:那样|那种|[一1]样(?![送跑做干去来帮管]))"
            r"|也有[^ ]{1,12}?那种"
            r"|类似.{1,14}?(?:那样|那种)"
            # normalised, "有没有一样的" reads "有1样的", "…那种食堂，渝中这边有没有" "… 渝中这边有"
            r"|有(?:没有|没得)?(?:[一1]样|类似)的|也有类似|也要这样|也是这样|也这样"
            r"|那种[^ ]{2,30}? [^ ]{0,20}?有(?:没有|没得|冇)?(?: |$)"
            r"|(?:其他|别的)[^ ]{1,8}?也(?:能|可以|有)"
        ),
        english=r"\b(?:something|anything|one|programme|program|service) like\b|\bsimilar to\b",
    ),
    "date": Detail(
        words=("哪天", "截止", "多少天", "多久"),
        # how many days, not "好几天" (several days) or "前几天" (the other day) in a story; how
        # many working days
        pattern=(
            r"(?<![好了前这那])几天|(?:几|多少)个?工作日|每个?月几号"
            r"|几月几[号日]|几号(?=开|召开|举行|举办)"  # the day of a meeting
        ),
        english=r"\b(?:deadline|which day|how long)\b",
        # a day or a span of days, weeks or months ("3天", "半个月"): not a year, which any
        # report has
        given=r"\d+\s*(?:日|天)|半个?月|[\d一二两三四五六七八九十]+\s*(?:个多?月|周)",
        named=_DAY_OR_TIME,
    ),
    # when something began: built, opened, set up, launched ("哪年建成的", "好久开的"); before
    # "when", which would otherwise take "when was it opened" for itself
    "since": Detail(
        pattern=(
            r"(?:哪1?年|哪一年|什么时候|啥时候|好久|多久以前|几时)(?:开始|开的|开业|开张|建|修|成立"
            r"|上线|出台|发布|印发|推出|启动|运行|投用|开通|揭牌|设立|建立|搞起来|搞的|有的|召开"
            r"|举行|举办)"
        ),
        english=(
            r"\bwhen (?:was|were|did)\b.*\b(?:open\w*|buil\w*|found\w*|launch\w*|set up"
            r"|establish\w*|start\w*|introduc\w*|creat\w*)|\bsince when\b|\bwhat year\b"
        ),
        # a date with what began at it ("2025年3月设立", "自2021年起"): not a report's own date
        given=(
            r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?[^。；\n]{0,40}?(?:起|开始|建成|成立"
            r"|上线|出台|启动|投用|投入使用|运行|开通|揭牌|设立|建立|开业|印发|发布|推出|搞起|开设"
            r"|创建|创办|召开|举行|举办)"
            r"|(?:建成|成立|设立|启动|上线|出台|揭牌|开业)于\s*\d{4}"
        ),
        named=r"(?:建成|成立|设立|启用|投用|开业|上线|运行)(?:时间|年份|日期)",
    ),
    "when": Detail(
        words=("什么时候", "何时"),
        english=r"\bwhen (?:is|was|will|does|did|do)\b",
        given=r"\d+\s*(?:年|月|日)",
        named=_DAY_OR_TIME + r"|哪年|年份",
    ),
    # when work under way will be done ("啥时候完工"): an answer giving that date, not any date
    "finish": Detail(
        pattern=(
            r"(?:什么时候|好久|哪天|几时|何时|多久)\w{0,2}"
            r"(?:完工|竣工|修好|弄好|搞完|修完|弄完|完成|结束|通车)"
        ),
        english=r"\bwhen (?:will|is) [\w ]{1,30}(?:finished|completed|done|fixed)\b",
        given=r"\d+\s*(?:年|月|日)[^。；\n]{0,20}?(?:完工|竣工|完成|修好|通车)",
        named=r"完工|竣工|完成时间",
    ),
    # what comes next: the reports are dated and cannot tell ("下个月在哪开课", "下次什么时候")
    "next": Detail(
        pattern=(
            r"下个月|下1?个月|下周|下礼拜|下次|下1次|下一次|下1?[场届期批轮]|下一[场届期批轮]"
            r"|明天|后天"
        ),
    ),
    # whether something is still so now: the reports are dated, and say what was
    "current": Detail(
        words=(
            *("现在还", "目前还", "如今还", "现在仍", "目前仍", "今年还", "还在搞", "还在办"),
            *("还搞不搞", "还办不办", "明年还", "以后还", "今后还", "还会再", "还会不会"),
            *("现在招", "招不招", "还招"),
        ),
        english=r"\bstill\b",
    ),
    # A figure for the whole year ("大渡口全年的GDP是多少"): the reports give quarters and
    # half-years; an answer gives it only when it says 全年.
    "annual": Detail(words=("全年", "一整年"), given=r"全年"),
    "download": Detail(
        words=(
            *("下载", "发我1份", "发1份", "发给我", "能发我", "发个链接", "原文", "申请表"),
            "全文",
        ),
        english=(
            r"\b(?:download|send (?:me )?(?:a |an |the )?(?:\w+ )?(?:copy|list|form|file)"
            r"|application form)\b"
        ),
        given=r"下载",
        named=r"获取|下载|原文|文件",
    ),
    # an age, or an age limit ("多大年龄可以参加", "陆睦今年好大年纪了"): the reports give few
    "age": Detail(
        words=("年龄", "年纪", "多少岁", "几岁", "岁数"),
        english=r"\b(?:age limit|how old|what age)\b",
        given=r"\d+\s*(?:岁|周岁)",
        named=r"年龄",
    ),
    # a person's name: the reports name a few people, and an entry that does asks for them
    "name": Detail(
        words=("姓什么", "姓名"),
        # "书记叫什么名字", "他叫什么"; not a programme's ("这个平台叫什么名字")
        pattern=(
            r"(?:书记|主任|站长|负责人|馆长|局长|区长|队长|院长|校长|会长|团长|经理|创始人|老板|领导"
            r"|指导员|网格员|楼小[二2]|专员|联络员|他|她)"
            r"(?:的名字)?(?:叫什么|名字叫什么|叫啥|是谁(?!来当|来担任|当|担任|派|组织|牵头|办|搞|建|发起)|是哪1?位"
            r"|是哪1?个(?:人)?(?= |$))"
            r"|(?:哪个|哪位)(?:区|市|街道)?领导"
            # which people, by name ("名师领航计划都有哪几位老师"): 位 counts persons
            r"|哪[几\d]位"
        ),
        english=(
            r"\b(?:who (?:founded|wrote|started)"
            r"|who is (?:the )?(?:head|director|secretary|mayor|founder|boss|chief|leader|chair\w*)"
            r"|who (?:chairs|heads|leads|is in charge)"
            r"|(?:what is|what's) (?:his|her) name"
            r"|(?:what is|what's) the name of (?:the|its|his|her) (?:\w+ ){0,2}"
            r"(?:head|director|secretary|founder|boss|chief|leader|official|commissioner))\b"
        ),
        named=r"姓名|名字|成员名单",
    ),
    # a company's own name ("陈希开的那个公司叫啥名字"): an answer naming a firm gives it, unless
    # it says the reports leave the name out ("没有给出她公司的名称")
    "firm": Detail(
        pattern=r"(?:公司|企业|集团)(?:的名字)?(?:叫什么|名字叫什么|叫啥|名字是什么|是哪家)",
        given=r"公司|企业|集团",
        named=r"(?:公司|企业)的?名称",
    ),
}


def _scan(patterns: dict[str, str]) -> re.Pattern[str]:
    """One pattern, one named group per detail, so a question is scanned once."""
    return re.compile("|".join(f"(?P<{name}>{p})" for name, p in patterns.items() if p))


# The Chinese words start with a lookahead on their first characters (most positions fail fast).
_FIRST = "".join(sorted({re.escape(w[0]) for d in DETAILS.values() for w in d.words}))
_WORDS_ZH = re.compile(
    f"(?=[{_FIRST}])(?:"
    + "|".join(
        f"(?P<{name}>{'|'.join(map(re.escape, d.words))})" for name, d in DETAILS.items() if d.words
    )
    + ")"
)
_PATTERNS_ZH = _scan({name: d.pattern for name, d in DETAILS.items()})
_ENGLISH = _scan({name: d.english for name, d in DETAILS.items()})
_YES_NO_ZH = _scan({name: d.yes_no for name, d in DETAILS.items()})
_GIVEN = {name: re.compile(d.given) for name, d in DETAILS.items() if d.given}
_NAMED = {name: re.compile(d.named) for name, d in DETAILS.items() if d.named}
_LETTER = re.compile("[a-z]")

# "没有提供……", and the "也没有……" that goes on listing what the reports leave out
NOT_GIVEN = re.compile(
    r"(?:没有(?:提供|说明|列出|公布|写明|给出|介绍|透露|提到)|也没有)[^。；，\n]*"
)

# One's own number ("我的电话"), and a number asked of someone else ("联系电话是多少").
_OWN_NUMBER = re.compile(r"我的?(?:手机号?|电话号?码?|号码)")
_CONTACT_OF = re.compile(r"(?:联系|咨询|办公|服务)电话|电话是多少|(?<!我)(?<!我的)电话多少")
# A fee of its own ("配送费", "押金"): an answer giving other prices (a meal at 3元) does not give
# it; only an entry whose questions or answer name that fee can. The detail is "fee:" + the word.
_FEES = re.compile(
    r"配送费|服务费|会费|押金|租金|房租|管理费|物业费|停车费|报名费|培训费|入会费|补偿|办卡费"
)


# A card's own fee ("办社员卡要交多少钱"): not the prices of what the card then buys.
_CARD_FEE = re.compile(r"办\w{0,4}卡\w{0,4}(?:多少钱|交钱|要钱|收费|费用|交费|缴费)")


@lru_cache(maxsize=65536)
def asked_details(normalised: str) -> frozenset[str]:
    """The details a normalised question asks for (remembered: each fold of leave-one-out reads
    the knowledge base's questions again)."""
    found = {m.lastgroup for m in _WORDS_ZH.finditer(normalised)}
    found |= {m.lastgroup for m in _PATTERNS_ZH.finditer(normalised)}
    if _LETTER.search(normalised):
        found |= {m.lastgroup for m in _ENGLISH.finditer(normalised)}
    found |= asked_counts(normalised)
    found |= {f"fee:{m.group()}" for m in _FEES.finditer(normalised)}  # that fee, not any price
    if _CARD_FEE.search(normalised):
        found.add("fee:办卡")
    if "contact" in found and _OWN_NUMBER.search(normalised) and not _CONTACT_OF.search(normalised):
        found.discard("contact")  # "你们存了我的电话吗" asks about one's own number
    if "which" in found:  # "引进了几家外地餐厅，是哪几家": the names, which carry the count
        found = {d for d in found if d and not d.startswith("count:")}
    if "building" in found:  # "具体在哪栋楼" asks which building, not its door number
        found.discard("address")
    return frozenset(name for name in found if name)


def asked_yes_no(normalised_clause: str) -> frozenset[str]:
    """The details a clause asks for that was a yes/no question as written (`Detail.yes_no`)."""
    return frozenset(m.lastgroup for m in _YES_NO_ZH.finditer(normalised_clause) if m.lastgroup)


def missing_details(answer: str) -> frozenset[str]:
    """The details an answer says the reports do not give."""
    missing: set[str] = set()
    for clause in NOT_GIVEN.findall(answer):
        missing.update(name for name, pattern in _NAMED.items() if pattern.search(clause))
    return frozenset(missing)


def given_details(answer: str) -> frozenset[str]:
    """The details an answer appears to give (a price in 元, a date, an address …)."""
    return frozenset(name for name, pattern in _GIVEN.items() if pattern.search(answer))
