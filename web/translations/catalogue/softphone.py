"""zh catalogue: the browser softphone (web/templates/softphone/_phone.html).
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # browser softphone (web/templates/softphone/_phone.html)
    "Phone": "电话", "Softphone starting…": "网页电话启动中…",
    "Another tab holds the phone: calls ring there. Close it to use the phone here.":
        "另一个标签页正在使用电话,来电在那里振铃。关闭它即可在此使用电话。",
    "Microphone refused or missing: allow the microphone for this site and reload. You are NOT available for calls.":
        "麦克风被拒绝或不存在:请允许本站使用麦克风并刷新页面。您现在不能接听来电。",
    "Connecting to the phone server…": "正在连接电话服务器…",
    "Phone ready: calls ring here.": "电话就绪:来电在此振铃。",
    "Phone NOT registered: you are not available for calls.": "电话未注册:您现在不能接听来电。",
    "Connection to the phone server lost: reconnecting… You are not available meanwhile.":
        "与电话服务器的连接已断开,正在重连…期间您不能接听来电。",
    "The phone server refused the registration: you are not available for calls.":
        "电话服务器拒绝注册:您现在不能接听来电。",
    "Incoming call": "来电", "In call": "通话中", "Softphone error": "网页电话出错", "Answer": "接听",
    "Hang up": "挂断", "Mute": "静音", "Auto-answer": "自动接听",
}
