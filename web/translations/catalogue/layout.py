"""zh catalogue: the login page, the layout and its menu, the roles.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # auth / layout
    "Too many failed logins. Try again later.": "登录失败次数过多,请稍后再试。",
    "Wrong user name or password.": "用户名或密码错误。",
    "Logged out of the panel, but still signed in to the queue: calls may still ring your phone.":
        "已退出登录,但您仍在队列中:来电仍可能振铃您的话机。",
    "Hotline panel": "热线管理平台", "Log in": "登录", "Log out": "退出", "User name": "用户名", "Password": "密码",
    "My figures": "我的指标", "Calls": "通话", "Team": "班组", "Fault reports": "故障报修", "Outages": "停播/故障公告",
    "Complaints": "投诉", "Wallboard": "实时看板",
    "agent": "话务员", "inspector": "质检员", "supervisor": "班长", "admin": "管理员", "technician": "维修员",
    # web/errors.py: a refused page request
    "Error %(code)s": "错误 %(code)s", "Back to my first page": "返回首页",
    "This form has expired: reload the page and try again.": "表单已过期:请刷新页面后重试。",
    "Your role may not see this page.": "您的角色无权查看此页面。",
    "No such page, or not one you may see.": "页面不存在,或您无权查看。",
    "This address does not take that request.": "此地址不接受该请求。",
    "The panel failed on this request; what was saved before stays saved. Try again, and tell the "
    "administrator if it happens again.":
        "面板处理此请求时出错;此前已保存的内容不受影响。请重试,如再次出现请告知管理员。",
    "The request was not understood.": "请求无效。",
    # web/busy.py: another writer held the database past the busy timeout
    "The database is busy: nothing was saved. Try again in a moment.": "数据库繁忙,未保存任何内容,请稍后重试。",
}
