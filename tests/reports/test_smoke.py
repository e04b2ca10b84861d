from django.test import Client

from steward.reports.models import ReceivedReport, Report


def test_report_form_renders(db):
    response = Client().get("/report/")
    assert response.status_code == 200
    assert b"What happened?" in response.content


def test_submit_minimal_report(db, space):
    client = Client()
    form = client.get("/report/")
    token = form.context["form"]["submission"].initial
    response = client.post("/report/", {
        "narrative": "Someone posted my home address in the forum.", "reporter_role": "affected", "ongoing": "yes",
        "danger_now": "no", "consent_contact_reported": "no", "consent_name_to_reported": "no",
        "anonymous": "anonymous", "preferred_language": "en", "submission": token, "space": space.pk,
    })
    assert response.status_code == 200, response.content.decode()[:3000]
    code = response.context["code"]
    # Received and acknowledged; no worker has filed it yet, so the code's first use files it.
    assert ReceivedReport.objects.filter(report__isnull=True).count() == 1
    assert Report.objects.count() == 0
    follow = client.post("/follow-up/", {"code": code.lower().replace("-", " ")})
    assert follow.status_code == 302
    report = Report.objects.get()
    assert report.narrative == "Someone posted my home address in the forum."
    assert report.case.opened_at == ReceivedReport.objects.get().received_at  # its clocks started on receipt
    page = client.get("/follow-up/case/")
    assert page.status_code == 200
    assert "Someone posted my home address in the forum." in page.content.decode()
