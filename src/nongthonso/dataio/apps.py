from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "nongthonso.dataio"
    verbose_name = "Nhập, xuất dữ liệu và dữ liệu mở"
