//! The MAPI allocator: MAPIAllocateBuffer makes root blocks, MAPIAllocateMore
//! links child blocks to a root, MAPIFreeBuffer on a root frees the root and
//! its children (T5). Misuse is recorded, never acted on: the real
//! behaviour is undefined (T9), so the model keeps the heap unchanged and
//! reports the bug.

use serde::Serialize;

/// Index of a block in [`Allocator::blocks`]. Blocks are never removed, so
/// an id stays meaningful after the block is freed.
pub type BlockId = u16;

crate::json::string_enum! {
    pub enum BlockKind {
        /// The array a session returns from IXPLogon::AddressTypes. The spooler
        /// keeps using it until T2, so it may only be freed at TransportLogoff.
        AddressTypes = "addressTypes",
        Data = "data",
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// The transport session that allocated it.
    pub owner: u8,
    /// For a MAPIAllocateMore child, its root block; none (null) for a root.
    pub parent: Option<BlockId>,
    pub kind: BlockKind,
    pub freed: bool,
}

crate::json::string_enum! {
    /// Why MAPIFreeBuffer or MAPIAllocateMore was a provider bug (T9).
    pub enum MemoryMisuse {
        /// MAPIFreeBuffer on a MAPIAllocateMore block.
        FreedChild = "freedChild",
        /// MAPIFreeBuffer on a block already freed.
        DoubleFree = "doubleFree",
        /// A pointer the allocator never handed out.
        ForeignPointer = "foreignPointer",
        /// MAPIAllocateMore with a parent that is not a live root block.
        BadParent = "badParent",
    }
}

impl MemoryMisuse {
    pub const fn describe(self) -> &'static str {
        match self {
            Self::FreedChild => "MAPIFreeBuffer on a child block from MAPIAllocateMore (free its root instead)",
            Self::DoubleFree => "MAPIFreeBuffer on a block that was already freed",
            Self::ForeignPointer => "MAPIFreeBuffer on a pointer MAPI never allocated",
            Self::BadParent => "MAPIAllocateMore linked to something that is not a live root block",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Allocator {
    pub blocks: Vec<Block>,
}

impl Allocator {
    /// MAPIAllocateBuffer.
    pub fn allocate(&mut self, owner: u8, kind: BlockKind) -> BlockId {
        self.blocks.push(Block { owner, parent: None, kind, freed: false });
        (self.blocks.len() - 1) as BlockId
    }

    /// MAPIAllocateMore: the child lives until its root is freed.
    pub fn allocate_more(&mut self, owner: u8, parent: BlockId) -> Result<BlockId, MemoryMisuse> {
        match self.blocks.get(parent as usize) {
            Some(p) if p.parent.is_none() && !p.freed => {
                self.blocks.push(Block { owner, parent: Some(parent), kind: BlockKind::Data, freed: false });
                Ok((self.blocks.len() - 1) as BlockId)
            }
            _ => Err(MemoryMisuse::BadParent),
        }
    }

    /// MAPIFreeBuffer. `None` is MAPIFreeBuffer(NULL), which does nothing.
    pub fn free(&mut self, block: Option<BlockId>) -> Result<(), MemoryMisuse> {
        let Some(id) = block else { return Ok(()) };
        let Some(b) = self.blocks.get(id as usize) else {
            return Err(MemoryMisuse::ForeignPointer);
        };
        if b.freed {
            return Err(MemoryMisuse::DoubleFree);
        }
        if b.parent.is_some() {
            return Err(MemoryMisuse::FreedChild);
        }
        for blk in self.blocks.iter_mut() {
            if blk.parent == Some(id) {
                blk.freed = true;
            }
        }
        self.blocks[id as usize].freed = true;
        Ok(())
    }

    /// Live root blocks of a session, in allocation order.
    pub fn live_roots(&self, owner: u8) -> impl Iterator<Item = BlockId> + '_ {
        self.blocks.iter().enumerate().filter(move |(_, b)| b.owner == owner && b.parent.is_none() && !b.freed).map(|(i, _)| i as BlockId)
    }

    /// Live child blocks of a session, in allocation order.
    pub fn live_children(&self, owner: u8) -> impl Iterator<Item = BlockId> + '_ {
        self.blocks.iter().enumerate().filter(move |(_, b)| b.owner == owner && b.parent.is_some() && !b.freed).map(|(i, _)| i as BlockId)
    }

    /// Every block of a session still allocated (leak accounting, I2).
    pub fn leaked_by(&self, owner: u8) -> Vec<BlockId> {
        self.blocks.iter().enumerate().filter(|(_, b)| b.owner == owner && !b.freed).map(|(i, _)| i as BlockId).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t5_freeing_a_root_frees_its_children() {
        let mut heap = Allocator::default();
        let root = heap.allocate(0, BlockKind::Data);
        let child = heap.allocate_more(0, root).unwrap();
        assert_eq!(heap.leaked_by(0), vec![root, child]);
        heap.free(Some(root)).unwrap();
        assert!(heap.leaked_by(0).is_empty());
    }

    #[test]
    fn t9_misuse_is_reported_and_changes_nothing() {
        let mut heap = Allocator::default();
        let root = heap.allocate(0, BlockKind::Data);
        let child = heap.allocate_more(0, root).unwrap();
        let before = heap.clone();
        assert_eq!(heap.free(Some(child)), Err(MemoryMisuse::FreedChild));
        assert_eq!(heap.free(Some(99)), Err(MemoryMisuse::ForeignPointer));
        assert_eq!(heap.allocate_more(0, child), Err(MemoryMisuse::BadParent));
        assert_eq!(heap, before);
        heap.free(Some(root)).unwrap();
        assert_eq!(heap.free(Some(root)), Err(MemoryMisuse::DoubleFree));
        assert_eq!(heap.free(None), Ok(()), "MAPIFreeBuffer(NULL) does nothing");
    }
}
