"""zh catalogue: the agent's own page: figures, callback tasks, QA results.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # agent page
    "Today": "今天", "This week": "本周", "This month": "本月", "My open callback tasks": "我的待回访任务",
    "%(total)d open tasks, page %(page)d of %(pages)d.": "共 %(total)d 个待回访任务,第 %(page)d/%(pages)d 页。",
    "Reason": "事由", "Due": "期限", "Dial": "拨打", "No open callback tasks.": "没有待回访任务。",
    "My QA results": "我的质检结果",
}
