"""zh catalogue: the day's QA sample and statistics (质检抽检, web/qa_sample.py).
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    "QA sample": "质检抽检", "Day": "日期", "Sample": "抽检样本", "Drawn because": "抽取原因", "Grade": "评分",
    "Open": "查看", "Draw this day so far": "抽取今日至今", "Draw this day": "抽取该日",
    "%(n)s answered calls per agent, the calls the record flags first.":
        "每位话务员抽取 %(n)s 通已接通电话,记录标记的通话优先。",
    "Graded %(done)s / %(total)s": "已检 %(done)s / %(total)s",
    "Nothing drawn for this day.": "该日尚未抽取。",
    "%(n)s calls drawn.": "已抽取 %(n)s 通。", "Nothing more to draw.": "没有更多可抽取的通话。",
    # why drawn (hotline/qa_sample.py FLAGS, GRADED, RANDOM)
    "Late answer, no apology (R-ANS-4RINGS)": "超四声接听且未致歉(R-ANS-4RINGS)",
    "Agent hung up first (R-ANS-HANGUP-LAST)": "话务员先挂机(R-ANS-HANGUP-LAST)",
    "Survey below satisfied (R-SURVEY)": "满意度评价未达满意(R-SURVEY)",
    "Complaint raised on the call (R-COMPLAINT)": "该通话引起投诉(R-COMPLAINT)",
    "Already graded": "已质检", "Random": "随机抽取",
    # the day's statistics
    "QA statistics of the day": "当日质检统计", "Calls graded": "已质检通话", "Average score": "平均分",
    "No call of this day is graded yet.": "该日尚无已质检的通话。",
}
