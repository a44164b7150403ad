from django.urls import path

from yima.facilities import views

urlpatterns = [
    path("", views.facility_list, name="list"),
]
