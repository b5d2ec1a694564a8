"""The three-tier and two-tier workflows as they were first loaded (assessments/workflows/*.yaml at that version),
frozen here so that this migration does the same thing whatever the files become; later changes to the files are
loaded by `nongthonso workflows load`."""

import datetime

from django.db import migrations

WORKFLOWS = [{'code': 'ba-cap',
  'name': 'Quy trình ba cấp: xã → huyện → tỉnh',
  'legal_basis': 'Quyết định 18/2022/QĐ-TTg ngày 02/8/2022 (điều kiện, trình tự, thủ tục xét công nhận)',
  'source': 'Trình tự xã → huyện thẩm tra → tỉnh thẩm định, công nhận: tóm tắt công khai của Quyết định '
            '18/2022/QĐ-TTg; chưa đối chiếu toàn văn',
  'verified': False,
  'parent_level': 'huyen',
  'valid_from': datetime.date(2022, 8, 2),
  'valid_to': datetime.date(2025, 6, 30),
  'successor': 'hai-cap',
  'transfer_states': {'draft': 'draft', 'returned': 'returned', 'submitted': 'submitted', 'verified': 'submitted'},
  'transfer_reason': 'Từ ngày 1/7/2025 chính quyền địa phương tổ chức theo hai cấp, không còn cấp huyện (Nghị '
                     'quyết 202/2025/QH15, Luật Tổ chức chính quyền địa phương 2025); việc huyện thẩm tra hồ sơ xã '
                     'chuyển về tỉnh (Nghị định 131/2025/NĐ-CP). Hồ sơ được chuyển sang quy trình hai cấp và chờ '
                     'Văn phòng Điều phối NTM tỉnh thẩm định.',
  'separation': {'approve': ['submit', 'verify'], 'record_decision': ['submit', 'verify']},
  'state_labels': {'draft': 'Đang nhập số liệu',
                   'submitted': 'Đã gửi, chờ huyện xác nhận',
                   'returned': 'Bị trả lại, chờ xã sửa',
                   'verified': 'Huyện đã xác nhận, chờ tỉnh thẩm định',
                   'approved': 'Tỉnh đã thẩm định',
                   'recognised': 'Đã có quyết định công nhận'},
  'steps': [{'action': 'submit',
             'sources': ['draft', 'returned'],
             'target': 'submitted',
             'actors': [{'role': 'commune_officer', 'level': 'xa'}],
             'description': 'xã gửi hồ sơ',
             'requires': ['confirmed_values']},
            {'action': 'verify',
             'sources': ['submitted'],
             'target': 'verified',
             'actors': [{'role': 'district_office', 'level': 'huyen'}],
             'description': 'huyện xác nhận hồ sơ'},
            {'action': 'return',
             'sources': ['submitted', 'verified'],
             'target': 'returned',
             'actors': [{'role': 'district_office', 'level': 'huyen'},
                        {'role': 'province_office', 'level': 'tinh'}],
             'description': 'huyện trả lại hồ sơ (kèm lý do)',
             'reason_hint': 'Phải ghi lý do trả lại hồ sơ để xã biết cần sửa gì, ví dụ: «Tiêu chí 10: thiếu biểu '
                            'tổng hợp thu nhập bình quân đầu người».'},
            {'action': 'approve',
             'sources': ['verified'],
             'target': 'approved',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh thẩm định, phê duyệt hồ sơ'},
            {'action': 'record_decision',
             'sources': ['approved'],
             'target': 'recognised',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh ghi quyết định công nhận',
             'needs_decision': True},
            {'action': 'reopen',
             'sources': ['approved', 'recognised'],
             'target': 'draft',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh mở lại hồ sơ (kèm lý do)',
             'reason_hint': 'Phải ghi lý do mở lại hồ sơ đã khóa, ví dụ: «Sửa số liệu tiêu chí 17 theo kết luận '
                            'kiểm tra ngày 12/9/2023»; lý do được lưu trong lịch sử hồ sơ.'}]},
 {'code': 'hai-cap',
  'name': 'Quy trình hai cấp: xã → tỉnh',
  'legal_basis': 'Luật Tổ chức chính quyền địa phương 2025 (chính quyền hai cấp từ 1/7/2025); Nghị định '
                 '131/2025/NĐ-CP (phân định thẩm quyền giữa tỉnh và xã, lĩnh vực nông nghiệp và môi trường); Quyết '
                 'định 18/2022/QĐ-TTg (trình tự xét công nhận)',
  'source': 'Bỏ bước huyện thẩm tra; tỉnh thẩm định và công nhận: theo tóm tắt công khai của Nghị định '
            '131/2025/NĐ-CP, chưa đối chiếu toàn văn',
  'verified': False,
  'parent_level': 'tinh',
  'valid_from': datetime.date(2025, 7, 1),
  'separation': {'approve': ['submit', 'verify'], 'record_decision': ['submit', 'verify']},
  'state_labels': {'draft': 'Đang nhập số liệu',
                   'submitted': 'Đã gửi, chờ tỉnh thẩm định',
                   'returned': 'Bị trả lại, chờ xã sửa',
                   'approved': 'Tỉnh đã thẩm định, chờ quyết định công nhận',
                   'recognised': 'Đã có quyết định công nhận'},
  'steps': [{'action': 'submit',
             'sources': ['draft', 'returned'],
             'target': 'submitted',
             'actors': [{'role': 'commune_officer', 'level': 'xa'}],
             'description': 'xã gửi hồ sơ lên tỉnh',
             'requires': ['confirmed_values']},
            {'action': 'return',
             'sources': ['submitted'],
             'target': 'returned',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh trả lại hồ sơ (kèm lý do)',
             'reason_hint': 'Phải ghi lý do trả lại hồ sơ để xã biết cần sửa gì, ví dụ: «Tiêu chí 6: thiếu danh '
                            'sách hộ nghèo đa chiều đã được phê duyệt».'},
            {'action': 'approve',
             'sources': ['submitted'],
             'target': 'approved',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh thẩm định, phê duyệt hồ sơ'},
            {'action': 'record_decision',
             'sources': ['approved'],
             'target': 'recognised',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh ghi quyết định công nhận',
             'needs_decision': True},
            {'action': 'reopen',
             'sources': ['approved', 'recognised'],
             'target': 'draft',
             'actors': [{'role': 'province_office', 'level': 'tinh'}],
             'description': 'tỉnh mở lại hồ sơ (kèm lý do)',
             'reason_hint': 'Phải ghi lý do mở lại hồ sơ đã khóa, ví dụ: «Sửa số liệu tiêu chí 8 theo kết luận '
                            'kiểm tra ngày 12/9/2026»; lý do được lưu trong lịch sử hồ sơ.'}]}]


def load_workflows(apps, schema_editor):
    Workflow = apps.get_model("assessments", "Workflow")
    WorkflowStep = apps.get_model("assessments", "WorkflowStep")
    rows = {}
    for spec in WORKFLOWS:
        rows[spec["code"]] = Workflow.objects.create(
            code=spec["code"], name=spec["name"], legal_basis=" ".join(spec["legal_basis"].split()),
            parent_level=spec["parent_level"], valid_from=spec["valid_from"], valid_to=spec.get("valid_to"),
            transfer_states=spec.get("transfer_states") or {},
            transfer_reason=" ".join(spec.get("transfer_reason", "").split()), separation=spec.get("separation") or {},
            state_labels=spec.get("state_labels") or {}, source=spec.get("source", ""),
            verified=bool(spec.get("verified")))
    for spec in WORKFLOWS:
        row = rows[spec["code"]]
        if spec.get("successor"):
            row.successor = rows[spec["successor"]]
            row.save(update_fields=["successor"])
        WorkflowStep.objects.bulk_create([WorkflowStep(
            workflow=row, action=step["action"], sources=step["sources"], target=step["target"], actors=step["actors"],
            description=step["description"], reason_hint=" ".join(step.get("reason_hint", "").split()),
            needs_decision=bool(step.get("needs_decision")), requires=step.get("requires", []), position=i)
            for i, step in enumerate(spec["steps"])])


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0007_workflows_as_data_carried_values"),
    ]

    operations = [
        migrations.RunPython(load_workflows, migrations.RunPython.noop),
    ]
