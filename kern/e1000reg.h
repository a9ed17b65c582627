/* Intel 8254x (82540EM) registers, bits and descriptor layouts used by kern/e1000.c.
 * Names follow the "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
 * Manual" (8254x SDM, 317453); offsets are byte offsets into the memory-mapped BAR 0 (SDM
 * 13.1, table 13-2), all registers 32 bits wide.  Only the registers the driver uses. */
#ifndef KERN_E1000REG_H
#define KERN_E1000REG_H

#include <inc/types.h>

/* PCI identity (SDM 5.2, table 5-1): QEMU's "e1000" is an 82540EM. */
#define E1000_VENDOR_INTEL	0x8086
#define E1000_DEV_82540EM	0x100E

/* ---- General (SDM 13.4) ---- */
#define E1000_EERD	0x00014	/* R/W  EEPROM read (13.4.4) */
#define E1000_EERD_START	0x00000001	/* write 1 to start a read */
#define E1000_EERD_DONE		0x00000010	/* the read has completed */
#define E1000_EERD_ADDR_SHIFT	8		/* bits 15:8: word address */
#define E1000_EERD_DATA_SHIFT	16		/* bits 31:16: the word read */

/* EEPROM words 0..2 hold the Ethernet address, low byte first (SDM 5.6.1, table 5-2). */
#define E1000_EEPROM_MAC_WORD0	0
#define E1000_EEPROM_MAC_WORDS	3

/* ---- Interrupts (SDM 13.4.17-13.4.21) ---- */
#define E1000_ICR	0x000C0	/* R/clr interrupt cause read: reading clears it (13.4.17) */
#define E1000_IMS	0x000D0	/* R/W  interrupt mask set/read (13.4.20) */
#define E1000_IMC	0x000D8	/* W    interrupt mask clear (13.4.21) */
#define E1000_ITR	0x000C4	/* R/W  interrupt throttling: least interval, 256 ns units (13.4.18) */
/* Cause bits, the same in ICR, IMS and IMC. */
#define E1000_ICR_TXDW		0x00000001	/* a descriptor with RS was written back */
#define E1000_ICR_RXDMT0	0x00000010	/* free receive descriptors below RCTL.RDMTS */
#define E1000_ICR_RXO		0x00000040	/* receiver overrun: a frame was dropped */
#define E1000_ICR_RXT0		0x00000080	/* receiver timer: frames were received */

/* ---- Receive (SDM 13.4.22-13.4.31) ---- */
#define E1000_RCTL	0x00100	/* R/W  receive control (13.4.22) */
#define E1000_RCTL_EN		0x00000002	/* receiver enable */
/* Left clear: SBP (store bad packets), UPE/MPE (promiscuous), LPE (long packets: frames over
 * 1522 bytes are dropped, so one 2048-byte buffer always holds a whole frame). */
#define E1000_RCTL_LBM_NONE	0x00000000	/* bits 7:6: no loopback */
#define E1000_RCTL_RDMTS_HALF	0x00000000	/* bits 9:8: RXDMT0 at 1/2 of the ring free */
#define E1000_RCTL_MO_36	0x00000000	/* bits 13:12: multicast filter uses bits 47:36 */
#define E1000_RCTL_BAM		0x00008000	/* accept broadcast frames */
#define E1000_RCTL_BSIZE_2048	0x00000000	/* bits 17:16, BSEX (bit 25) 0: 2048-byte buffers */
#define E1000_RCTL_SECRC	0x04000000	/* strip the Ethernet CRC */
#define E1000_RX_BUFFER_SIZE	2048		/* what E1000_RCTL_BSIZE_2048 means */
/* The card takes frames of up to 1522 bytes so that an IEEE 802.1Q tag fits; past 1514 only a
 * tagged frame is an Ethernet frame.  The tag's EtherType (the value the card's VLAN EtherType
 * register, VET, holds after reset) follows the source address. */
#define E1000_VET_8021Q		0x8100

#define E1000_RDBAL	0x02800	/* R/W  receive descriptor base, low 32 bits (13.4.27) */
#define E1000_RDBAH	0x02804	/* R/W  receive descriptor base, high 32 bits (13.4.28) */
#define E1000_RDLEN	0x02808	/* R/W  ring length in bytes, a multiple of 128 (13.4.29) */
#define E1000_RDH	0x02810	/* R/W  receive head: the card's next slot (13.4.30) */
#define E1000_RDT	0x02818	/* R/W  receive tail: first slot the card may not use (13.4.31) */
#define E1000_RDTR	0x02820	/* R/W  receive interrupt delay timer (13.4.32) */

/* ---- Transmit (SDM 13.4.33-13.4.42) ---- */
#define E1000_TCTL	0x00400	/* R/W  transmit control (13.4.33) */
#define E1000_TCTL_EN		0x00000002	/* transmitter enable */
#define E1000_TCTL_PSP		0x00000008	/* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT	4		/* bits 11:4: collision threshold */
#define E1000_TCTL_COLD_SHIFT	12		/* bits 21:12: collision distance */
#define E1000_TCTL_CT_IEEE	0x10		/* 16 retries: the recommended value (13.4.33) */
#define E1000_TCTL_COLD_FULL	0x40		/* 64 byte times: full duplex (13.4.33) */

#define E1000_TIPG	0x00410	/* R/W  transmit inter-packet gap (13.4.34) */
#define E1000_TIPG_IPGT_SHIFT	0		/* bits 9:0 */
#define E1000_TIPG_IPGR1_SHIFT	10		/* bits 19:10 */
#define E1000_TIPG_IPGR2_SHIFT	20		/* bits 29:20 */
/* The IEEE 802.3 minimum gap of 96 bit times on copper, as the manual's TIPG description
 * (13.4.34) and transmit initialization (14.5) give them for the 82540EM. */
#define E1000_TIPG_IPGT_IEEE	10
#define E1000_TIPG_IPGR1_IEEE	8
#define E1000_TIPG_IPGR2_IEEE	6

#define E1000_TDBAL	0x03800	/* R/W  transmit descriptor base, low 32 bits (13.4.38) */
#define E1000_TDBAH	0x03804	/* R/W  transmit descriptor base, high 32 bits (13.4.39) */
#define E1000_TDLEN	0x03808	/* R/W  ring length in bytes, a multiple of 128 (13.4.40) */
#define E1000_TDH	0x03810	/* R/W  transmit head: the card's next slot (13.4.41) */
#define E1000_TDT	0x03818	/* R/W  transmit tail: one past the last slot queued (13.4.42) */
#define E1000_TIDV	0x03820	/* R/W  transmit interrupt delay value (13.4.43) */

/* ---- Address filters (SDM 13.5) ---- */
#define E1000_MTA	0x05200	/* R/W  multicast table array, 128 dwords (13.5.1) */
#define E1000_MTA_ENTRIES	128
#define E1000_RAL0	0x05400	/* R/W  receive address 0, low: MAC bytes 0-3 (13.5.2) */
#define E1000_RAH0	0x05404	/* R/W  receive address 0, high: MAC bytes 4-5 (13.5.3) */
#define E1000_RAH_AV		0x80000000	/* address valid: the filter uses this entry */

/* ---- Descriptors ---- */

/* The ring base and length must be 128-byte multiples (SDM 3.2.6, 3.4). */
#define E1000_RING_ALIGN	128

/* Legacy transmit descriptor (SDM 3.3.3, figure 3-10). */
struct e1000_tx_desc {
	uint64_t addr;		/* physical address of the data */
	uint16_t length;	/* bytes at addr */
	uint8_t cso;		/* checksum offset: unused */
	uint8_t cmd;		/* E1000_TXD_CMD_* */
	uint8_t status;		/* E1000_TXD_STAT_*, written back by the card */
	uint8_t css;		/* checksum start: unused */
	uint16_t special;	/* VLAN: unused */
} __attribute__((packed));
static_assert(sizeof(struct e1000_tx_desc) == 16, "SDM 3.3.3: a TX descriptor is 16 bytes");

#define E1000_TXD_CMD_EOP	0x01	/* end of packet: the last descriptor of a frame */
#define E1000_TXD_CMD_IFCS	0x02	/* insert the Ethernet CRC */
#define E1000_TXD_CMD_RS	0x08	/* report status: set DD when done */
#define E1000_TXD_STAT_DD	0x01	/* descriptor done */

/*
 * Checksum offload (SDM 3.3.5-3.3.6).  Besides the legacy format above, the card takes
 * "extended" descriptors (DEXT set in the command byte, the same byte as the legacy cmd):
 *   - the TCP/IP context descriptor (DTYP 0000) sets where the IP and TCP/UDP checksums
 *     start (CSS), are stored (CSO) and end (CSE, inclusive; 0 for TUCSE: the end of the
 *     frame).  It sends nothing; the card keeps the context for every later data descriptor
 *     until the next context descriptor, so a driver writes one only when it changes.
 *   - the TCP/IP data descriptor (DTYP 0001) carries a frame like the legacy one, and POPTS
 *     says which of the two checksums to insert (IXSM, TXSM).
 * The card sums from CSS to CSE and stores the complement at CSO; it adds no pseudo-header:
 * the TCP/UDP checksum field must hold the pseudo-header sum beforehand, the IP one zero.
 * Status sits in byte 12 in all three formats (DD, with RS set), so reclaim reads it alike.
 */
struct e1000_tx_ctx_desc {
	uint8_t ipcss;		/* IP checksum start: offset in the frame */
	uint8_t ipcso;		/* IP checksum offset: where the result goes */
	uint16_t ipcse;		/* IP checksum end, inclusive (0: end of frame) */
	uint8_t tucss;		/* TCP/UDP checksum start */
	uint8_t tucso;		/* TCP/UDP checksum offset */
	uint16_t tucse;		/* TCP/UDP checksum end, inclusive (0: end of frame) */
	uint8_t paylen[3];	/* bits 19:0 PAYLEN (TCP segmentation only), 23:20 DTYP */
	uint8_t tucmd;		/* E1000_TXD_CMD_*: DEXT, RS, IP, ... */
	uint8_t status;		/* E1000_TXD_STAT_DD, written back by the card */
	uint8_t hdrlen;		/* TCP segmentation only */
	uint16_t mss;		/* TCP segmentation only */
} __attribute__((packed));
static_assert(sizeof(struct e1000_tx_ctx_desc) == 16, "SDM 3.3.5: a context descriptor is 16 bytes");

struct e1000_tx_data_desc {
	uint64_t addr;		/* physical address of the data */
	uint8_t length[3];	/* bits 19:0 DTALEN (bytes at addr), 23:20 DTYP */
	uint8_t dcmd;		/* E1000_TXD_CMD_*: DEXT, EOP, IFCS, RS */
	uint8_t status;		/* E1000_TXD_STAT_DD, written back by the card */
	uint8_t popts;		/* E1000_TXD_POPTS_* */
	uint16_t special;	/* VLAN: unused */
} __attribute__((packed));
static_assert(sizeof(struct e1000_tx_data_desc) == 16, "SDM 3.3.6: a data descriptor is 16 bytes");

/* DTYP: bits 23:20 of the length word, i.e. bits 7:4 of its third byte. */
#define E1000_TXD_DTYP_SHIFT	4		/* in paylen[2] / length[2] */
#define E1000_TXD_DTYP_CTX	0x0		/* TCP/IP context descriptor */
#define E1000_TXD_DTYP_DATA	0x1		/* TCP/IP data descriptor */
#define E1000_TXD_CMD_IP	0x02	/* TUCMD: the packet is IPv4 (context descriptor) */
#define E1000_TXD_CMD_TCP	0x01	/* TUCMD: the packet is TCP (context descriptor) */
#define E1000_TXD_CMD_TSE	0x04	/* TUCMD and DCMD: TCP segmentation (SDM 3.5) */
#define E1000_TXD_CMD_DEXT	0x20	/* extended descriptor: context or data */
#define E1000_TXD_POPTS_IXSM	0x01	/* insert the IP checksum (context's IPCSS/IPCSO/IPCSE) */
#define E1000_TXD_POPTS_TXSM	0x02	/* insert the TCP/UDP checksum (TUCSS/TUCSO/TUCSE) */

/* Receive descriptor (SDM 3.2.3, figure 3-1). */
struct e1000_rx_desc {
	uint64_t addr;		/* physical address of the buffer */
	uint16_t length;	/* bytes the card stored (CRC stripped with SECRC) */
	uint16_t csum;		/* packet checksum: unused */
	uint8_t status;		/* E1000_RXD_STAT_* */
	uint8_t errors;		/* E1000_RXD_ERR_*; valid when EOP is set */
	uint16_t special;	/* VLAN: unused */
} __attribute__((packed));
static_assert(sizeof(struct e1000_rx_desc) == 16, "SDM 3.2.3: an RX descriptor is 16 bytes");

#define E1000_RXD_STAT_DD	0x01	/* descriptor done: the card wrote a frame here */
#define E1000_RXD_STAT_EOP	0x02	/* end of packet: the last descriptor of a frame */
#define E1000_RXD_ERR_CE	0x01	/* CRC or alignment error */
#define E1000_RXD_ERR_SE	0x02	/* symbol error */
#define E1000_RXD_ERR_SEQ	0x04	/* sequence error */
#define E1000_RXD_ERR_CXE	0x10	/* carrier extension error */
#define E1000_RXD_ERR_RXE	0x80	/* RX data error */
#define E1000_RXD_ERR_FRAME	(E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ \
				 | E1000_RXD_ERR_CXE | E1000_RXD_ERR_RXE)

#endif /* !KERN_E1000REG_H */
