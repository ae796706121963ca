"""Deployments: the helpers on site, their daily reports, hand-over, time sheets and the cost statement."""
