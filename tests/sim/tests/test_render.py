"""The simulator's npu-smi output, byte for byte against the verbatim samples of the reference.

Each test writes down the values a real sample shows (one tuple per chip) and checks that the renderer turns them
back into exactly that sample: widths, quirks (`30209/ 32768`), separators and trailing spaces included.
"""

from __future__ import annotations

import pathlib

import pytest

from ascend_sim import render

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "reference"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def wide_view(version, layout, rows, processes=(), tool_version=None, hbm_total=65536):
    """rows: (npu_id, chip_id, phy_id, name, health, power, temp, bus_id, aicore, hbm_used)."""
    cards = {}
    for npu_id, chip_id, phy_id, name, health, power, temp, bus_id, aicore, hbm_used in rows:
        cards.setdefault(npu_id, []).append({
            "chip_id": chip_id, "phy_id": phy_id, "logic_id": phy_id, "name": name, "health": health,
            "power": power, "temp": temp, "hugepages_used": 0, "hugepages_total": 0, "bus_id": bus_id,
            "aicore": aicore, "mem_used": 0, "mem_total": 0, "hbm_used": hbm_used, "hbm_total": hbm_total,
        })
    return {
        "tool_version": tool_version or version, "version": version, "layout": layout,
        "cards": [{"npu_id": n, "chips": c} for n, c in cards.items()],
        "processes": [dict(zip(("npu_id", "chip_id", "pid", "name", "memory_mb"), p)) for p in processes],
    }


A2_BUSES = ["0000:C1:00.0", "0000:C2:00.0", "0000:81:00.0", "0000:82:00.0",
            "0000:01:00.0", "0000:02:00.0", "0000:41:00.0", "0000:42:00.0"]


def test_910b3_real_sample_with_blank_process_name():
    power = [97.9, 89.5, 92.3, 92.4, 95.6, 97.2, 91.0, 95.4]
    temp = [34, 32, 32, 32, 37, 38, 36, 37]
    hbm = [3408, 3408, 41052, 3390, 3403, 3400, 3401, 3400]
    rows = [(n, 0, n, "910B3", "OK", power[n], temp[n], A2_BUSES[n], 0, hbm[n]) for n in range(8)]
    view = wide_view("25.2.0", "910b", rows, processes=[(2, 0, 1333928, "", 37709)])
    assert render.render_info(view) == fixture("info-910b3-25.2.0.txt")


def test_910b4_32g_idle_reconstructed_sample():
    power = [93.4, 90.1, 88.7, 91.5, 95.2, 89.9, 92.6, 90.8]
    temp = [41, 39, 40, 38, 43, 42, 40, 41]
    hbm = [2815, 2816, 2815, 2814, 2816, 2815, 2816, 2815]
    rows = [(n, 0, n, "910B4", "OK", power[n], temp[n], A2_BUSES[n], 0, hbm[n]) for n in range(8)]
    view = wide_view("24.1.0", "910b", rows, hbm_total=32768)
    assert render.render_info(view) == fixture("info-910b4-24.1.0-idle.txt")


def test_910b4_process_section_with_names():
    rows = [(n, 0, n, "910B4", "OK", 90.0, 40, A2_BUSES[n], 0, 27700) for n in range(8)]
    procs = [(n, 0, 212345 + n, "mindie_llm_back", 24879) for n in range(8)]
    text = render.render_info(wide_view("24.1.0", "910b", rows, procs, hbm_total=32768))
    section = text.split("\n")[-(8 * 2 + 3) - 1:]
    assert "\n".join(section) == fixture("info-910b4-24.1.0-procs-section.txt")


def test_seed_000_table_with_full_hbm_field():
    power = [99.1, 92.1, 90.5, 86.4, 87.4, 90.4, 88.0, 92.0]
    temp = [43, 41, 41, 43, 45, 46, 45, 47]
    hbm = [30209, 30208, 30206, 30207, 30207, 30206, 30207, 30207]
    rows = [(n, 0, n, "910B4", "OK", power[n], temp[n], A2_BUSES[n], 0, hbm[n]) for n in range(8)]
    procs = [(n, 0, 518867 + n, "mindieservice_b", 27474) for n in range(8)]
    view = wide_view("24.1.rc2", "910b", rows, procs, hbm_total=32768)
    assert render.render_info(view) == fixture("info-910b4-24.1.rc2-seed000.txt")


def test_a3_real_sample_phy_ids_die_separator_and_dash_power():
    buses = ["9D", "9F", "99", "9B", "95", "97", "91", "93", "8D", "8F", "89", "8B", "85", "87", "81", "83"]
    power = [232.5, 226.9, 175.3, 170.6, 167.2, 174.5, 243.3, 248.0]
    temp = [52, 51, 51, 52, 52, 52, 51, 51, 51, 49, 51, 50, 53, 50, 52, 52]
    aicore = [17, 17, 17, 17, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 17, 17]
    hbm = [53444, 52948, 53200, 52940, 3128, 2888, 3122, 2888, 3136, 2895, 3130, 2895, 50719, 50242, 50494, 50242]
    rows = []
    for phy in range(16):
        card, chip = divmod(phy, 2)
        rows.append((card, chip, phy, "Ascend910", "OK", power[card] if chip == 0 else "-", temp[phy],
                     "0000:%s:00.0" % buses[phy], aicore[phy], hbm[phy]))
    procs = [
        (0, 0, 3325989, "", 50128), (0, 0, 3330598, "", 132), (0, 0, 3328327, "", 133), (0, 0, 3333165, "", 132),
        (0, 1, 3328327, "", 50119), (1, 0, 3330598, "", 50117), (1, 1, 3333165, "", 50119),
        (6, 0, 3085960, "", 47426), (6, 0, 3085961, "", 122), (6, 0, 3085962, "", 122), (6, 0, 3085964, "", 122),
        (6, 1, 3085961, "", 47416), (7, 0, 3085962, "", 47416), (7, 1, 3085964, "", 47416),
    ]
    assert render.render_info(wide_view("25.2.3", "910_93", rows, procs)) == fixture("info-a3-25.2.3.txt")


def duo_view(version="25.3.rc1"):
    spec = [  # npu_id, chip_id, device, bus, temp, hugepages, ddr used, ddr total
        (0, 0, 0, "01", 86, 16885, 35552, 44278), (0, 1, 1, "01", 84, 16997, 35270, 43693),
        (96, 0, 2, "03", 84, 0, 1705, 44278), (96, 1, 3, "03", 84, 0, 1242, 43693),
        (32768, 0, 4, "81", 79, 0, 1696, 44278), (32768, 1, 5, "81", 78, 0, 1246, 43693),
        (32896, 0, 6, "84", 82, 0, 1658, 44278), (32896, 1, 7, "84", 81, 0, 1265, 43693),
    ]
    cards = {}
    for npu_id, chip_id, dev, bus, temp, huge, used, total in spec:
        cards.setdefault(npu_id, []).append({
            "chip_id": chip_id, "logic_id": dev, "phy_id": dev, "name": "310P3", "mapping_name": "Ascend 310P3",
            "health": "OK", "power": "NA", "temp": temp, "hugepages_used": huge, "hugepages_total": huge,
            "bus_id": "0000:%s:00.0" % bus, "aicore": 0, "mem_used": used, "mem_total": total,
        })
    return {
        "tool_version": version, "version": version, "layout": "310p",
        "cards": [{"npu_id": n, "chips": c} for n, c in cards.items()],
        "processes": [{"npu_id": 0, "chip_id": 0, "pid": 326429, "name": "", "memory_mb": 33842},
                      {"npu_id": 0, "chip_id": 0, "pid": 326430, "name": "", "memory_mb": 108},
                      {"npu_id": 0, "chip_id": 1, "pid": 326430, "name": "", "memory_mb": 34086}],
    }


def test_300i_duo_real_sample_sparse_ids_shared_bus_106_columns():
    text = render.render_info(duo_view())
    assert text == fixture("info-310p3-25.3.rc1.txt")
    assert {len(line) for line in text.splitlines()} == {106}


def test_bus_id_na_keeps_the_column_width():
    rows = [(0, 0, 0, "910B4", "OK", 90.0, 40, "NA", 0, 2815), (1, 0, 1, "910B4", "OK", 90.0, 40, A2_BUSES[1], 0, 2815)]
    text = render.render_info(wide_view("24.1.0", "910b", rows))
    assert "| 0                         | NA            | 0           0    / 0          2815 / 65536         |" \
        in text.splitlines()
    assert {len(line) for line in text.splitlines()} == {98}
    duo = duo_view()
    duo["cards"][0]["chips"][1]["bus_id"] = "NA"
    text = render.render_info(duo)
    row = "| 1       1                     | NA              | 0            35270/ 43693                            |"
    assert row in text.splitlines()
    assert {len(line) for line in text.splitlines()} == {106}


def test_incomplete_install_warning_follows_the_table():
    view = duo_view()
    view["incomplete_install"] = True
    assert render.render_info(view).endswith(render.WARN_INCOMPLETE + "\n")


def test_list_910b_and_300i_pro():
    cards = [{"npu_id": n, "chips": [{}]} for n in range(8)]
    assert render.render_list({"layout": "910b", "cards": cards}) == fixture("list-910b.txt")
    pro = [{"npu_id": 8, "product_name": "IT21PDDA01", "serial": "033VNY10MB000071", "chips": [{}]}]
    assert render.render_list({"layout": "310p", "cards": pro}) == fixture("list-300i-pro.txt")


def test_mapping_all_three_layouts():
    a2 = [{"npu_id": n, "chips": [{"chip_id": 0, "logic_id": n, "mapping_name": "Ascend 910B3"}]} for n in range(8)]
    assert render.render_mapping({"layout": "910b", "cards": a2}) == fixture("mapping-910b3.txt")
    a3 = [{"npu_id": n, "chips": [{"chip_id": c, "logic_id": 2 * n + c, "phy_id": 2 * n + c,
                                   "mapping_name": "Ascend910"} for c in (0, 1)]} for n in range(8)]
    assert render.render_mapping({"layout": "910_93", "cards": a3}) == fixture("mapping-a3.txt")
    duo = duo_view()
    duo["cards"] = duo["cards"][:2]
    assert render.render_mapping(duo) == fixture("mapping-310p3.txt")


BOARD_910B = {
    "npu_id": 0, "product_name": "IT21HMDC_Bin5", "serial": "1025C9048791", "board_id": 0x60, "pcb_id": "A",
    "bom_id": 1, "slot_id": 0, "board_temp": 36,
    "pci": {"vendor": 0x19E5, "device": 0xD802, "subsystem_vendor": 0x19E5, "subsystem_device": 0x3003},
    "chips": [{"chip_id": 0, "name": "910B4", "bus_id": "0000:C1:00.0", "vdie_id": " ".join(["XXXXXXXX"] * 5),
               "ndie_id": " ".join(["XXXXXXXX"] * 5), "health": "OK", "temp": 39, "power": 103.5,
               "mem_used": 0, "mem_total": 0, "hugepages_used": 0, "hugepages_total": 0, "hbm_total": 65536,
               "hbm_used": 3277, "aicore": 0, "ctrlcpu": 6}],
}


def test_board_card_910b_and_310p():
    assert render.render_board_card(BOARD_910B, "910b", "25.5.1", "7.8.0.6.201", "OK") == \
        fixture("board-910b-card.txt")
    duo = {"npu_id": 2944, "product_name": "IT21PD2G10", "serial": "2106030737ZERC003572", "board_id": 0xB1,
           "pcb_id": "E", "bom_id": 3, "slot_id": "NA",
           "pci": {"vendor": 0x19E5, "device": 0xD500, "subsystem_vendor": 0x0200, "subsystem_device": 0x0110},
           "chips": [{"bus_id": "0000:0C:00.0"}, {"bus_id": "0000:0C:00.0"}]}
    assert render.render_board_card(duo, "310p", "25.5.1", "7.8.0.6.201", "OK") == fixture("board-310p-card.txt")


def test_board_chip_910b():
    chip = BOARD_910B["chips"][0]
    assert render.render_board_chip(BOARD_910B, chip, "910b", "7.8.0.6.201") == fixture("board-910b-chip.txt")


def test_usages_910b_newer_driver():
    assert render.render_usages(BOARD_910B, "910b", "25.5.1") == fixture("usages-910b.txt")


@pytest.mark.parametrize("version,extended", [("23.0.rc3.3", False), ("24.1.rc3", False), ("24.1.0", True),
                                              ("25.0.rc1.2", True)])
def test_usages_lines_follow_the_npu_smi_release(version, extended):
    text = render.render_usages(BOARD_910B, "910b", version)
    assert ("Aivector" in text) == ("NPU Utilization" in text) == ("Aicube" in text) == extended
    assert "HBM Capacity(MB)" in text


def test_health_card_and_chip():
    assert render.render_health(BOARD_910B) == fixture("health-card.txt")
    assert render.render_health(BOARD_910B, chip_id=0) == fixture("health-chip.txt")


def test_health_chip_with_error_codes():
    card = {**BOARD_910B, "chips": [{**BOARD_910B["chips"][0], "health": "Alarm",
                                     "error_codes": [0x80E18005, 0x80CB8009], "error_info": "HBM ECC error"}]}
    assert render.render_health(card, chip_id=0).splitlines()[1] == \
        "\tError Code                     : 80E18005 80CB8009"


def test_memory_temp_power_spod():
    card = {**BOARD_910B, "chips": [{**BOARD_910B["chips"][0], "temp": 43}]}
    assert render.render_memory(card, "910b", chip_id=0) == fixture("memory-910b-chip.txt")
    assert render.render_temp(BOARD_910B) == fixture("temp-910b.txt")
    assert render.render_power(BOARD_910B) == fixture("power-910b.txt")
    spod = {"sdid": 16777216, "super_pod_size": 384, "super_pod_id": 0, "server_index": 4}
    assert render.render_spod(spod) == fixture("spod-info-a3.txt")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixtures_use_tabs_only_where_the_reference_does(name):
    text = fixture(name)
    if name.startswith("info-"):
        assert "\t" not in text
    else:
        assert all(line.startswith("\t") for line in text.splitlines() if line)
