from django.urls import path

from portal.zones import Routes

from .views import complaints, dashboard, ratings, scores, stats

app_name = "supervision"

routes = Routes(
    external=[
        path("complaints/new/", complaints.complaint_new, name="complaint_new"),
        path("complaints/mine/", complaints.my_complaints, name="my_complaints"),
        path("my/<str:number>/rating/", ratings.rate, name="rate"),
        path("public/rankings/", scores.rankings, name="rankings"),
    ],
    internal=[
        path("supervision/", dashboard.dashboard, name="dashboard"),
        path("supervision/alerts/", dashboard.alert_list, name="alert_list"),
        path("supervision/alerts/<int:alert_id>/", dashboard.alert_detail, name="alert"),
        path("supervision/alerts/<int:alert_id>/<str:action>/", dashboard.alert_action, name="alert_action"),
        path("supervision/orders/", dashboard.orders, name="orders"),
        path("supervision/complaints/", complaints.complaint_list, name="complaints"),
        path("supervision/complaints/record/", complaints.complaint_record, name="complaint_record"),
        path("supervision/complaints/<str:number>/", complaints.complaint_detail, name="complaint"),
        path("supervision/ratings/", ratings.rating_list, name="ratings"),
        path("supervision/ratings/<int:rating_id>/", ratings.rating_detail, name="rating"),
        path("supervision/scores/", scores.scores, name="scores"),
        path("supervision/stats/", stats.stats, name="stats"),
        path("supervision/stats/export.<str:fmt>", stats.export, name="stats_export"),
    ],
)
