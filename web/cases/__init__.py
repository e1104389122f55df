"""Cases (工单, issue 14) in the panel: the list, the page with its history, the form (from a call,
pre-filled from the customer master), complaint steps, closing; the monthly complaint-category
analysis. The rules live in ``hotline.cases``; this package only shapes requests and pages."""
