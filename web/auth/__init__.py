"""Who may do what: panel users and API tokens (users), the login session and role checks
(access), the login rate limit (limiter), the login and logout pages (views)."""
