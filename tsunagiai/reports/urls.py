from django.urls import path

from tsunagiai.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("intakes/", views.intake_export, name="intake_export"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
    path("counts/", views.count_export, name="count_export"),
    path("national/", views.national_export, name="national_export"),
    path("monthly/", views.monthly_report, name="monthly_report"),
    path("cases/<int:case_id>/summary/", views.case_summary, name="case_summary"),
    path("cases/<int:case_id>/plan/", views.support_plan, name="support_plan"),
]
