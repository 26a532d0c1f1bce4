"""Views: dashboard (alerts and orders), complaints, ratings, scores and stats."""
