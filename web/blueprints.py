"""Every feature of the panel is one blueprint; this is the list."""

from __future__ import annotations

from flask import Flask

from web.security import csrf


def register_blueprints(app: Flask) -> None:
    from web import (
        agent,
        api,
        callbacks,
        complaints,
        faults,
        handover,
        home,
        i18n,
        outages,
        qa_sample,
        softphone,
        wallboard,
    )
    from web.auth.views import bp as auth
    from web.calls.views import bp as calls
    from web.cases.views import bp as cases
    from web.customers.views import bp as customers
    from web.desk.views import bp as desk
    from web.field.views import bp as field
    from web.field.views import dlr_bp as sms_dlr
    from web.pbx_presence.views import bp as pbx_presence
    from web.service_settings.views import bp as service_settings
    from web.team.views import bp as team

    for bp in (home.bp, i18n.bp, auth, agent.bp, desk, calls, qa_sample.bp, callbacks.bp, faults.bp,
               outages.bp, complaints.bp, team, pbx_presence, wallboard.bp, api.bp, cases, customers, handover.bp,
               softphone.bp, field, sms_dlr):
        app.register_blueprint(bp)
    app.register_blueprint(service_settings)
    csrf.exempt(api.bp)  # token-authenticated, read-only
    csrf.exempt(sms_dlr)  # Kannel's delivery reports: authenticated by the message's claim token
    from web.prompts_admin.views import bp as prompts_admin  # the operator's prompts (#18)

    app.register_blueprint(prompts_admin)
