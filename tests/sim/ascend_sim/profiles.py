"""Hardware profiles: what a real Atlas server of each product has (cards, dies, IDs, buses, memory, PCI IDs,
serial numbers, RoCE addresses, super pod position), built for one simulated host.

Values follow the real samples of ascend-tech-reference.md sections 1.1 to 1.6 and prior-art.md section 1.3.
"""

from __future__ import annotations

import hashlib

PROFILES = ("atlas-800i-a2", "atlas-300i-duo", "atlas-800i-a3")

# Bus numbers as real servers enumerate them.
_A2_BUSES = [0xC1, 0xC2, 0x81, 0x82, 0x01, 0x02, 0x41, 0x42]
_A3_BUSES = [0x9D, 0x9F, 0x99, 0x9B, 0x95, 0x97, 0x91, 0x93, 0x8D, 0x8F, 0x89, 0x8B, 0x85, 0x87, 0x81, 0x83]
_DUO_BUSES = [0x01, 0x03, 0x81, 0x84]
_DUO_NPU_IDS = [0, 96, 32768, 32896]


def _serial(seed: str, length: int = 12) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length].upper()


def _die_id(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest().upper()
    return " ".join(digest[i:i + 8] for i in range(0, 40, 8))


def sdid(server_index: int, card: int, chip: int, phy_id: int) -> int:
    """A3 super device id, laid out as every real value decodes: server<<22 | (card*4+chip)<<16 | phy."""
    return (server_index << 22) | ((card * 4 + chip) << 16) | phy_id


def build(profile: str, node: int = 0, server_index: int | None = None, super_pod_id: int = 0,
          hostname: str = "ascend-sim") -> dict:
    """The static hardware of one host. `node` varies serial numbers, temperatures and RoCE addresses between
    hosts of the same profile; `server_index` places an A3 host in its super pod."""
    if profile not in PROFILES:
        raise ValueError("unknown profile %r; choose one of %s" % (profile, ", ".join(PROFILES)))
    cards = []
    seed = "%s/%s/%d" % (profile, hostname, node)
    if profile == "atlas-800i-a2":
        family, soc = "910b", "Ascend910B4"
        system = {"manufacturer": "Huawei", "product": "Atlas 800I A2", "family": "Atlas"}
        for n in range(8):
            cards.append(_card(seed, n, n, board_id=0x60, product_name="IT21HMDC_Bin5", pcb="A", bom=1,
                               slot=n, pci=(0x19E5, 0xD802, 0x19E5, 0x3002),
                               chips=[_chip(seed, n, 0, n, n, "910B4", "Ascend 910B4", _A2_BUSES[n], hbm=32768,
                                            idle_hbm=2815 + (n % 2), power=88.0 + n * 1.3, temp=39 + n % 5)]))
    elif profile == "atlas-800i-a3":
        family, soc = "910_93", "Ascend910_9392"
        system = {"manufacturer": "Huawei", "product": "Atlas 800I A3", "family": "Atlas"}
        if server_index is None:
            server_index = node
        for n in range(8):
            chips = []
            for c in range(2):
                phy = 2 * n + c
                chip = _chip(seed, n, c, phy, phy, "Ascend910", "Ascend910", _A3_BUSES[phy], hbm=65536,
                             idle_hbm=3128 if c == 0 else 2888, power=170.0 + n * 1.1 if c == 0 else "-",
                             temp=50 + (phy % 4))
                chip.update(npu_name="9392", sdid=sdid(server_index, n, c, phy), super_pod_id=super_pod_id,
                            super_pod_size=384, server_index=server_index)
                chips.append(chip)
            cards.append(_card(seed, n, n, board_id=0x64, product_name="IT21HMDB_A3", pcb="A", bom=1, slot=n,
                               pci=(0x19E5, 0xD803, 0x19E5, 0x3003), chips=chips, main_board_id=0x68))
    else:
        family, soc = "310p", "Ascend310P3"
        system = {"manufacturer": "Huawei", "product": "Atlas 800 (Model 3000)", "family": "Atlas"}
        logic = 0
        for i, npu_id in enumerate(_DUO_NPU_IDS):
            chips = []
            for c in range(2):
                chip = _chip(seed, npu_id, c, logic, logic, "310P3", "Ascend 310P3", _DUO_BUSES[i], hbm=0,
                             idle_hbm=0, power="NA", temp=80 + (logic % 5))
                chip.update(mem_total=44278 if c == 0 else 43693, idle_mem=1696 if c == 0 else 1246,
                            ddr_physical_mb=49152)
                chips.append(chip)
                logic += 1
            cards.append(_card(seed, npu_id, i, board_id=0xB1, product_name="IT21PD2G10", pcb="E", bom=3,
                               slot="NA", pci=(0x19E5, 0xD500, 0x0200, 0x0110), chips=chips,
                               serial="2106030737ZE" + _serial(seed + str(i), 8)))
    roce = {}
    if family != "310p":
        for card in cards:
            for chip in card["chips"]:
                if family == "910_93":  # the two dies of one NPU sit in different subnets
                    plane = "10.0.%d" % (2 + chip["chip_id"])
                    roce[str(chip["phy_id"])] = {"address": "%s.%d" % (plane, 41 + 10 * node + card["index"]),
                                                 "netmask": "255.255.255.0", "netdetect": plane + ".1",
                                                 "gateway": plane + ".1"}
                else:
                    roce[str(chip["phy_id"])] = {"address": "192.168.100.%d" % (10 * (node + 1) + chip["phy_id"]),
                                                 "netmask": "255.255.255.0", "netdetect": "192.168.100.1",
                                                 "gateway": "192.168.100.1"}
    system["serial"] = "2102314" + _serial(seed, 9)
    system["uuid"] = hashlib.md5(seed.encode()).hexdigest()
    return {"profile": profile, "family": family, "soc": soc, "node": node, "system": system, "cards": cards,
            "roce": roce, "factory_firmware": "7.1.0.5.220"}


def _card(seed, npu_id, index, board_id, product_name, pcb, bom, slot, pci, chips, serial=None, main_board_id=None):
    vendor, device, sub_vendor, sub_device = pci
    return {"npu_id": npu_id, "index": index, "board_id": board_id, "main_board_id": main_board_id,
            "product_name": product_name, "pcb_id": pcb, "bom_id": bom, "slot_id": slot,
            "serial": serial or "1025" + _serial("%s/card%d" % (seed, npu_id), 8),
            "pci": {"vendor": vendor, "device": device, "subsystem_vendor": sub_vendor,
                    "subsystem_device": sub_device},
            "board_temp": 36, "chips": chips}


def _chip(seed, npu_id, chip_id, logic_id, phy_id, name, mapping_name, bus, hbm, idle_hbm, power, temp):
    return {"chip_id": chip_id, "logic_id": logic_id, "phy_id": phy_id, "name": name, "mapping_name": mapping_name,
            "bus_id": "0000:%02X:00.0" % bus, "hbm_total": hbm, "idle_hbm": idle_hbm, "mem_total": 0,
            "idle_mem": 0, "power": power, "temp": temp, "vdie_id": _die_id("%s/%d/%d/v" % (seed, npu_id, chip_id)),
            "ndie_id": _die_id("%s/%d/%d/n" % (seed, npu_id, chip_id)), "ctrlcpu": 6}
