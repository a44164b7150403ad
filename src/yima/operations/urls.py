from django.urls import path

from yima.operations.views import inspections, offline, samples, schedule, work_orders

app_name = "operations"
urlpatterns = [
    path("f/<str:code>/", inspections.facility_page, name="facility"),
    path("f/<str:code>/inspect/", inspections.inspect, name="inspect"),
    path("f/<str:code>/sample/", samples.record_sample, name="record_sample"),
    path("f/<str:code>/workorders/new/", work_orders.work_order_new, name="work_order_new"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection"),
    path("samples/<int:pk>/", samples.sample_detail, name="sample"),
    path("photos/<str:kind>/<int:pk>/", inspections.photo, name="photo"),
    path("workorders/", work_orders.work_order_list, name="work_orders"),
    path("workorders/<int:pk>/", work_orders.work_order_detail, name="work_order"),
    path("workorders/<int:pk>/<str:action>/", work_orders.work_order_step, name="work_order_step"),
    path("overdue/", schedule.overdue, name="overdue"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("sync-token/", offline.sync_token, name="sync_token"),
]
