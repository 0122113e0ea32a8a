from django.urls import path

from . import views

app_name = "plans"
base = "leas/<str:leaid>/plan/<int:cycle_id>/"
urlpatterns = [
    path(base, views.plan_page, name="plan"),
    path(base + "priorities/", views.priorities, name="priorities"),
    path(base + "submit/", views.plan_submit, name="submit"),
    path(base + "review/", views.plan_review, name="review"),
    path(base + "objectives/<int:objective_id>/", views.objective_save, name="objective"),
    path(base + "objectives/<int:objective_id>/tasks/", views.task_add, name="task_add"),
    path(base + "objectives/<int:objective_id>/comments/", views.comment_add, name="comment"),
    path(base + "tasks/<int:task_id>/", views.task_edit, name="task"),
    path(base + "tasks/<int:task_id>/status/", views.task_status, name="task_status"),
    path(base + "tasks/<int:task_id>/notes/", views.note_add, name="note"),
]
