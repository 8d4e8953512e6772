"""Every field of every npu-smi sample in the reference (tests/fixtures/reference, verbatim), parsed; then the
variants real hosts print (patched releases, `NA` Bus-Ids, tabs, CRLF, the warning footer)."""

from __future__ import annotations

import pathlib
import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _npu_smi

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
A2_BUSES = ["0000:C1:00.0", "0000:C2:00.0", "0000:81:00.0", "0000:82:00.0",
            "0000:01:00.0", "0000:02:00.0", "0000:41:00.0", "0000:42:00.0"]
KEYS = ("npu_id", "chip_id", "phy_id", "logic_id", "name", "health", "power_w", "temp_c", "bus_id", "aicore_pct",
        "hbm_used_mb", "hbm_total_mb", "memory_used_mb", "memory_total_mb", "hugepages_used", "hugepages_total")


def sample(name):
    return (REFERENCE / name).read_text()


def rows(*values):
    return [dict(zip(KEYS, v)) for v in values]


def a2(name, power, temp, hbm, total):
    return rows(*[(n, 0, None, None, name, "OK", power[n], temp[n], A2_BUSES[n], 0, hbm[n], total, 0, 0, 0, 0)
                  for n in range(8)])


def test_910b3_real_sample():
    info = _npu_smi.parse_info(sample("info-910b3-25.2.0.txt"))
    assert info["version"] == info["software_version"] == "25.2.0"
    assert info["chips"] == a2("910B3", [97.9, 89.5, 92.3, 92.4, 95.6, 97.2, 91.0, 95.4],
                               [34, 32, 32, 32, 37, 38, 36, 37], [3408, 3408, 41052, 3390, 3403, 3400, 3401, 3400],
                               65536)
    assert info["processes"] == [{"npu_id": 2, "chip_id": 0, "pid": 1333928, "name": "", "memory_mb": 37709}]


def test_910b4_reconstructed_idle_sample():
    info = _npu_smi.parse_info(sample("info-910b4-24.1.0-idle.txt"))
    assert info["version"] == info["software_version"] == "24.1.0"
    assert info["chips"] == a2("910B4", [93.4, 90.1, 88.7, 91.5, 95.2, 89.9, 92.6, 90.8],
                               [41, 39, 40, 38, 43, 42, 40, 41], [2815, 2816, 2815, 2814, 2816, 2815, 2816, 2815],
                               32768)
    assert info["processes"] == []


def test_seed_000_sample_with_process_names():
    info = _npu_smi.parse_info(sample("info-910b4-24.1.rc2-seed000.txt"))
    assert info["version"] == info["software_version"] == "24.1.rc2"
    assert info["chips"] == a2("910B4", [99.1, 92.1, 90.5, 86.4, 87.4, 90.4, 88.0, 92.0],
                               [43, 41, 41, 43, 45, 46, 45, 47], [30209, 30208, 30206, 30207, 30207, 30206, 30207,
                                                                  30207], 32768)
    assert info["processes"] == [{"npu_id": n, "chip_id": 0, "pid": 518867 + n, "name": "mindieservice_b",
                                  "memory_mb": 27474} for n in range(8)]


def test_a3_real_sample():
    info = _npu_smi.parse_info(sample("info-a3-25.2.3.txt"))
    assert info["version"] == info["software_version"] == "25.2.3"
    buses = ["9D", "9F", "99", "9B", "95", "97", "91", "93", "8D", "8F", "89", "8B", "85", "87", "81", "83"]
    power = [232.5, 226.9, 175.3, 170.6, 167.2, 174.5, 243.3, 248.0]
    temp = [52, 51, 51, 52, 52, 52, 51, 51, 51, 49, 51, 50, 53, 50, 52, 52]
    aicore = [17, 17, 17, 17, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 17, 17]
    hbm = [53444, 52948, 53200, 52940, 3128, 2888, 3122, 2888, 3136, 2895, 3130, 2895, 50719, 50242, 50494, 50242]
    assert info["chips"] == rows(*[(p // 2, p % 2, p, None, "Ascend910", "OK", power[p // 2] if p % 2 == 0 else None,
                                    temp[p], "0000:%s:00.0" % buses[p], aicore[p], hbm[p], 65536, 0, 0, 0, 0)
                                   for p in range(16)])
    assert [(p["npu_id"], p["chip_id"], p["pid"], p["memory_mb"]) for p in info["processes"]] == [
        (0, 0, 3325989, 50128), (0, 0, 3330598, 132), (0, 0, 3328327, 133), (0, 0, 3333165, 132),
        (0, 1, 3328327, 50119), (1, 0, 3330598, 50117), (1, 1, 3333165, 50119), (6, 0, 3085960, 47426),
        (6, 0, 3085961, 122), (6, 0, 3085962, 122), (6, 0, 3085964, 122), (6, 1, 3085961, 47416),
        (7, 0, 3085962, 47416), (7, 1, 3085964, 47416)]
    assert {p["name"] for p in info["processes"]} == {""}


def test_300i_duo_real_sample():
    info = _npu_smi.parse_info(sample("info-310p3-25.3.rc1.txt"))
    assert info["version"] == info["software_version"] == "25.3.rc1"
    spec = [(0, 0, 0, "01", 86, 16885, 35552, 44278), (0, 1, 1, "01", 84, 16997, 35270, 43693),
            (96, 0, 2, "03", 84, 0, 1705, 44278), (96, 1, 3, "03", 84, 0, 1242, 43693),
            (32768, 0, 4, "81", 79, 0, 1696, 44278), (32768, 1, 5, "81", 78, 0, 1246, 43693),
            (32896, 0, 6, "84", 82, 0, 1658, 44278), (32896, 1, 7, "84", 81, 0, 1265, 43693)]
    assert info["chips"] == rows(*[(n, c, None, d, "310P3", "OK", None, t, "0000:%s:00.0" % b, 0, None, None, u, tot,
                                    h, h) for n, c, d, b, t, h, u, tot in spec])
    assert info["processes"] == [
        {"npu_id": 0, "chip_id": 0, "pid": 326429, "name": "", "memory_mb": 33842},
        {"npu_id": 0, "chip_id": 0, "pid": 326430, "name": "", "memory_mb": 108},
        {"npu_id": 0, "chip_id": 1, "pid": 326430, "name": "", "memory_mb": 34086}]


@pytest.mark.parametrize("name", ["info-910b3-25.2.0.txt", "info-a3-25.2.3.txt", "info-310p3-25.3.rc1.txt"])
def test_tabs_trailing_spaces_crlf_and_the_warning_footer_change_nothing(name):
    text = sample(name)
    expected = _npu_smi.parse_info(text)
    mangled = "\r\n".join(line.replace("    ", "\t") + "   " for line in text.splitlines())
    mangled += "\r\n[WARNING]The driver package may not be completely installed, which may cause function " \
               "abnormal. Please reinstall it.\r\n"
    assert _npu_smi.parse_info(mangled) == expected


def test_unhealthy_chips_and_wide_variant():
    text = sample("info-910b3-25.2.0.txt")
    text = text.replace("| 3     910B3               | OK            |", "| 3     910B3               | Critical      |")
    text = text.replace("| npu-smi 25.2.0                   Version: 25.2.0                                               |",
                        "| npu-smi 25.2.0                   Version: 25.2.0                                                |")
    chips = _npu_smi.parse_info(text)["chips"]
    assert [c["health"] for c in chips] == ["OK"] * 3 + ["Critical"] + ["OK"] * 4


def test_a_patched_driver_banner():
    """A hot-patched driver: npu-smi names the base release, `Version:` the release with its patch."""
    text = sample("info-910b3-25.2.0.txt")
    patched = text.replace("npu-smi 25.2.0    ", "npu-smi 25.0.rc1.2").replace("Version: 25.2.0           ",
                                                                               "Version: 25.0.rc1.2.sph001")
    assert patched != text
    info = _npu_smi.parse_info(patched)
    assert (info["version"], info["software_version"]) == ("25.0.rc1.2", "25.0.rc1.2.sph001")
    assert info["chips"] == _npu_smi.parse_info(text)["chips"]


def test_na_bus_id_of_edge_boards():
    text = sample("info-910b3-25.2.0.txt")
    edge = text.replace("| 0000:C1:00.0  |", "| NA            |")
    expected = _npu_smi.parse_info(text)["chips"]
    expected[0]["bus_id"] = None
    assert edge != text
    assert _npu_smi.parse_info(edge)["chips"] == expected
    original = sample("info-310p3-25.3.rc1.txt")
    duo = original.replace("| 1       7                     | 0000:84:00.0    |",
                           "| 1       7                     | NA              |")
    assert duo != original
    assert [c["bus_id"] for c in _npu_smi.parse_info(duo)["chips"]][-2:] == ["0000:84:00.0", None]


@pytest.mark.parametrize("text,message", [
    ("", "no 'npu-smi <version> Version: <version>' banner"),
    ("dcmi module initialize failed. ret is -8005\n", "it starts with: dcmi module initialize failed"),
    ("+---+\n| npu-smi 25.2.0   Version: 25.2.0  |\n+---+\n", "no chips"),
    ("| npu-smi 25.2.0 Version: 25.2.0 |\n| NPU Name | Health | Power |\n| 0 910B3 | OK | x 1 0 / 0 |\n"
     "| 0 | 0000:C1:00.0 | 0 0 / 0 1 / 2 |\n", "unexpected power value 'x'"),
    ("| npu-smi 25.2.0 Version: 25.2.0 |\n| NPU Name | Health | Power |\n| 0 910B3 | OK | 1 1 0 / 0 |\n"
     "| 0 | C1:00 | 0 0 / 0 1 / 2 |\n", "unexpected npu-smi chip row"),
    ("| npu-smi 25.2.0 Version: 25.2.0 |\n| NPU Name | Health | Power |\n| 0 910B3 | OK | 1 1 0 / 0 |\n",
     "ends inside the row of NPU 0"),
])
def test_not_npu_smi_output_fails_with_a_message(text, message):
    with pytest.raises(_npu_smi.NpuSmiParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _npu_smi.parse_info(text)


def test_process_section_alone_is_not_a_table():
    with pytest.raises(_npu_smi.NpuSmiParseError):
        _npu_smi.parse_info(sample("info-910b4-24.1.0-procs-section.txt"))


def test_mapping_910b_a3_310p():
    a2 = _npu_smi.parse_mapping(sample("mapping-910b3.txt"))
    assert a2 == [{"npu_id": n, "chip_id": 0, "logic_id": n, "phy_id": None, "name": "Ascend 910B3"}
                  for n in range(8)]
    a3 = _npu_smi.parse_mapping(sample("mapping-a3.txt"))
    assert a3 == [{"npu_id": p // 2, "chip_id": p % 2, "logic_id": p, "phy_id": p, "name": "Ascend910"}
                  for p in range(16)]
    duo = _npu_smi.parse_mapping(sample("mapping-310p3.txt"))
    assert [(m["npu_id"], m["chip_id"], m["logic_id"], m["name"]) for m in duo] == [
        (0, 0, 0, "Ascend 310P3"), (0, 1, 1, "Ascend 310P3"), (96, 0, 2, "Ascend 310P3"), (96, 1, 3, "Ascend 310P3")]
    assert _npu_smi.parse_mapping("There is no NPU card on this server.\n") == []
    with pytest.raises(_npu_smi.NpuSmiParseError, match="npu-smi info -m"):
        _npu_smi.parse_mapping(sample("info-910b3-25.2.0.txt"))


def test_board_card_and_chip():
    card = _npu_smi.parse_board(sample("board-910b-card.txt"))
    assert card == {
        "NPU ID": "0", "Product Name": "IT21HMDC_Bin5", "Model": "NA", "Manufacturer": "Huawei",
        "Serial Number": "1025C9048791", "Software Version": "25.5.1", "Firmware Version": "7.8.0.6.201",
        "Compatibility": "OK", "Board ID": "0x60", "PCB ID": "A", "BOM ID": "1", "PCIe Bus Info": "0000:C1:00.0",
        "Slot ID": "0", "Class ID": "NA", "PCI Vendor ID": "0x19E5", "PCI Device ID": "0xD802",
        "Subsystem Vendor ID": "0x19E5", "Subsystem Device ID": "0x3003", "Chip Count": "1"}
    assert _npu_smi.parse_board(sample("board-310p-card.txt")) == {
        "NPU ID": "2944", "Product Name": "IT21PD2G10", "Model": "NA", "Manufacturer": "Huawei",
        "Serial Number": "2106030737ZERC003572", "Software Version": "25.5.1", "Firmware Version": "7.8.0.6.201",
        "Compatibility": "OK", "Board ID": "0xb1", "PCB ID": "E", "BOM ID": "3", "PCIe Bus Info": "0000:0C:00.0",
        "Slot ID": "NA", "Class ID": "NA", "PCI Vendor ID": "0x19E5", "PCI Device ID": "0xD500",
        "Subsystem Vendor ID": "0x0200", "Subsystem Device ID": "0x0110", "Chip Count": "2", "Chip Fault": "0"}
    assert _npu_smi.parse_board(sample("board-910b-chip.txt")) == {
        "NPU ID": "0", "Chip ID": "0", "Chip Type": "Ascend", "Chip Name": "910B4", "Chip Version": "V1",
        "Board ID": "0x60", "PCB ID": "NA", "BOM ID": "1",
        "VDie ID": "XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX",
        "NDie ID": "XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX", "Chip Position ID": "0",
        "PCIe Bus Info": "0000:C1:00.0", "Firmware Version": "7.8.0.6.201"}
    with pytest.raises(_npu_smi.NpuSmiParseError, match="lacks NPU ID"):
        _npu_smi.parse_board(sample("spod-info-a3.txt"))


def test_card_list():
    a2 = _npu_smi.parse_blocks(sample("list-910b.txt"))
    assert a2 == [{"Total Count": "8"}] + [{"NPU ID": str(n), "Chip Count": "1"} for n in range(8)]
    assert _npu_smi.parse_blocks(sample("list-300i-pro.txt")) == [
        {"Total Count": "1"},
        {"NPU ID": "8", "Product Name": "IT21PDDA01", "Serial Number": "033VNY10MB000071", "Chip Count": "1"}]


def test_card_level_blocks():
    assert _npu_smi.parse_chip_blocks(sample("usages-910b.txt")) == {0: {
        "DDR Capacity(MB)": "0", "DDR Usage Rate(%)": "0", "DDR Hugepages Total(page)": "0",
        "DDR Hugepages Usage Rate(%)": "0", "HBM Capacity(MB)": "65536", "HBM Usage Rate(%)": "5",
        "Aicore Usage Rate(%)": "0", "Aivector Usage Rate(%)": "0", "Aicpu Usage Rate(%)": "0",
        "Ctrlcpu Usage Rate(%)": "6", "DDR Bandwidth Usage Rate(%)": "0", "HBM Bandwidth Usage Rate(%)": "0",
        "NPU Utilization(%)": "0", "Aicube Usage Rate(%)": "0"}}
    assert _npu_smi.parse_chip_blocks(sample("health-card.txt")) == {0: {"Health": "OK"}}
    assert _npu_smi.parse_chip_blocks(sample("temp-910b.txt")) == {0: {"NPU Temperature (C)": "39"}}
    assert _npu_smi.parse_chip_blocks(sample("power-910b.txt")) == {0: {"NPU Real-time Power(W)": "103.5"}}
    assert _npu_smi.parse_blocks(sample("memory-910b-chip.txt")) == [{
        "DDR Capacity(MB)": "0", "DDR Clock Speed(MHz)": "0", "HBM Capacity(MB)": "65536",
        "HBM Clock Speed(MHz)": "1600", "HBM Temperature(C)": "46", "HBM Manufacturer ID": "0x57"}]


def test_health_chip_and_spod():
    assert _npu_smi.parse_health_chip(sample("health-chip.txt")) == {"health": "OK", "error_codes": [],
                                                                     "error_info": None}
    faulty = "\tHealth Status                  : Alarm\n\tError Code                     : 80E18005 80CB8009\n" \
             "\tError Information              : HBM ECC error\n"
    assert _npu_smi.parse_health_chip(faulty) == {"health": "Alarm", "error_codes": ["80E18005", "80CB8009"],
                                                  "error_info": "HBM ECC error"}
    assert _npu_smi.parse_spod(sample("spod-info-a3.txt")) == {"super_device_id": 16777216, "super_pod_size": 384,
                                                               "super_pod_id": 0, "server_index": 4}
    with pytest.raises(_npu_smi.NpuSmiParseError, match="SDID"):
        _npu_smi.parse_spod(sample("health-chip.txt"))
