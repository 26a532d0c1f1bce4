from django.urls import path

from portal.zones import Routes

from .views import citizen, penalties, trail, workbench

app_name = "workflow"

routes = Routes(
    external=[
        path("apply/<str:code>/", citizen.apply, name="apply"),
        path("apply/done/<str:number>/", citizen.apply_done, name="apply_done"),
        path("my/", citizen.my_cases, name="my_cases"),
        path("my/<str:number>/", citizen.my_case, name="my_case"),
        path("my/<str:number>/supplement/", citizen.supplement, name="supplement"),
        path("my/<str:number>/withdraw/", citizen.withdraw, name="withdraw"),
        path("my/<str:number>/documents/<int:document_id>/", citizen.document, name="my_document"),
        path("track/", citizen.track, name="track"),
        path("track/verify/", citizen.track_verify, name="track_verify"),
        path("public/penalties/", penalties.public_list, name="public_penalties"),
        path("public/trail/", trail.public_checkpoints_page, name="public_trail"),
    ],
    internal=[
        path("workbench/", workbench.inbox, name="workbench"),
        path("workbench/cases/<str:number>/", workbench.case_detail, name="workbench_case"),
        path("workbench/cases/<str:number>/<str:action>/", workbench.transition, name="workbench_transition"),
        path(
            "workbench/cases/<str:number>/attachments/<int:attachment_id>/",
            workbench.attachment,
            name="workbench_attachment",
        ),
        path(
            "workbench/cases/<str:number>/documents/<int:document_id>/",
            workbench.document,
            name="workbench_document",
        ),
        path("penalties/", penalties.case_list, name="penalties"),
        path("penalties/new/", penalties.case_new, name="penalty_new"),
        path("penalties/stats/", penalties.stats, name="penalty_stats"),
        path("penalties/<str:number>/", penalties.case_detail, name="penalty_case"),
        path("penalties/<str:number>/decision/", penalties.decision_document, name="penalty_decision"),
        path("penalties/<str:number>/<str:action>/", penalties.transition, name="penalty_transition"),
    ],
)
