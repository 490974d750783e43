from django.urls import path

from . import review_views, views

app_name = "cases"

urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("<int:pk>/", views.child_detail, name="child_detail"),
    path("<int:pk>/audit/", views.child_audit, name="child_audit"),
    path("<int:pk>/chronology/", views.child_chronology, name="child_chronology"),
    path("reviews-due/", review_views.reviews_due, name="reviews_due"),
    path("<int:pk>/reviews/", review_views.child_reviews, name="child_reviews"),
    path("<int:pk>/reviews/new/", review_views.review_new, name="review_new"),
    path("<int:pk>/key-dates/new/", review_views.key_date_new, name="key_date_new"),
    path("<int:pk>/changes/new/", review_views.change_new, name="change_new"),
    path("<int:pk>/reviewer/", review_views.reviewer_allocate, name="reviewer_allocate"),
    path("changes/<int:pk>/", review_views.change_decide, name="change_decide"),
    path("review-steps/<int:pk>/", review_views.step_complete, name="step_complete"),
    path(
        "before-review-steps/<int:pk>/",
        review_views.planned_step_complete,
        name="planned_step_complete",
    ),
]
